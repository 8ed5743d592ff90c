"""`tinygrad-cnn exercises`: list, show one, check a solution file."""
import textwrap

from tinygrad_cnn.cli import main
from tinygrad_cnn.teach import exercises


def test_exercises_lists_every_exercise(capsys):
    assert main(["exercises"]) == 0
    out = capsys.readouterr().out
    for exercise in exercises.EXERCISES:
        assert exercise.id in out
    assert "exercise 5-5" in out and "--check FILE.py" in out


def test_exercises_shows_one_statement(capsys):
    assert main(["exercises", "conv_backward_input"]) == 0
    out = capsys.readouterr().out
    assert "conv_backward_input(delta, weight, stride=1, padding=0)" in out
    assert "rot180(W)" in out and "Write `conv_backward_input` in a file" in out


def test_exercises_checks_a_solution_file(tmp_path, capsys):
    right = tmp_path / "right.py"
    right.write_text(textwrap.dedent("""
        def same_padding(kernel_size, dilation):
            return (kernel_size - 1) * dilation // 2
    """))
    wrong = tmp_path / "wrong.py"
    wrong.write_text("def same_padding(kernel_size, dilation):\n    return (kernel_size - 1) // 2\n")
    assert main(["exercises", "same_padding_5_8", "--check", str(right)]) == 0
    assert "correct: same_padding_5_8 passes all 6 cases" in capsys.readouterr().out
    assert main(["exercises", "same_padding_5_8", "--check", str(wrong)]) == 1
    assert "Hint: a dilated kernel spans D·(K-1)+1 pixels" in capsys.readouterr().out


def test_exercises_checks_a_value_answer(tmp_path, capsys):
    solution = tmp_path / "cost.py"
    solution.write_text('answer = {"plain": {"time": 5_898_240_000, "space": 2_560_000},\n'
                        '          "bottleneck": {"time": 1_638_400_000, "space": 3_200_000}}\n')
    assert main(["exercises", "cost_5_4", "--check", str(solution)]) == 0
    assert "activations only" in capsys.readouterr().out


def test_exercises_errors(tmp_path, capsys):
    assert main(["exercises", "nope"]) == 1
    assert "no exercise 'nope'" in capsys.readouterr().err
    assert main(["exercises", "cost_5_4", "--check", str(tmp_path / "missing.py")]) == 1
    assert "no such file" in capsys.readouterr().err
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    assert main(["exercises", "linear_backward", "--check", str(empty)]) == 1
    assert "defines no `linear_backward`" in capsys.readouterr().err
    assert main(["exercises", "--check", str(empty)]) == 1
    assert "needs an exercise id" in capsys.readouterr().err
