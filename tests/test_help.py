"""Help pages read like a man page at 80 columns: no Python types, nothing cut or wider
than the terminal, the date forms once, examples on lines of their own; in Chinese as in
English, every help text translated and every example the same command."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import program
import pytest
import typer
from rich.cells import cell_len
from typer.testing import CliRunner

from circletrack.base.i18n import in_language
from circletrack.cli import app
from circletrack.cli.core import COMMANDS
from circletrack.cli.helptext import localize, tidy_all, wrap_paragraphs

PYTHON_TYPES = re.compile(r"<(list|bool|str|int|float|path|Path)\b|\bTEXT\.\.\.|\bINTEGER\b")


def help_page(*args: str, columns: int = 80) -> str:
    result = CliRunner(env={"COLUMNS": str(columns), "NO_COLOR": "1"}).invoke(
        app, [*args, "--help"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_every_command_is_listed_in_the_order_of_the_week() -> None:
    page = help_page(columns=200)
    listed = [line.split()[0] for line in page.split("Commands:", 1)[1].splitlines()
              if line.startswith("  ") and not line.startswith("   ")]
    assert listed == list(COMMANDS)


def check_page(page: str, columns: int) -> None:
    """What every help page, in either language, must be: no line wider than the terminal,
    values named (DATE, FILE), never a Python type, nothing cut with '...', the date forms
    said at most once."""
    too_wide = [line for line in page.splitlines() if cell_len(line) > columns]
    assert not too_wide, f"lines wider than {columns} cells: {too_wide}"
    assert not PYTHON_TYPES.search(page), PYTHON_TYPES.search(page)
    uncut = re.sub(r"(ID|FILE|FIELD,|\[ARGS\])\.\.\.", "", page)
    assert "..." not in uncut, "something was cut with '...'"
    assert page.count("2011年12月31日") <= 1, "the date forms are said more than once"


@pytest.mark.parametrize("command", [None, *COMMANDS])
@pytest.mark.parametrize("columns", [80, 120])
def test_help_fits_the_terminal_and_names_values_not_types(command: str | None,
                                                           columns: int) -> None:
    page = help_page(*([command] if command else []), columns=columns)
    check_page(page, columns)


def test_the_root_help_lists_each_command_with_its_whole_first_sentence() -> None:
    page = help_page()
    commands = page.split("Commands:\n", 1)[1]
    names = [line.split()[0] for line in commands.splitlines()
             if line.startswith("  ") and not line.startswith("    ")]
    assert names == list(COMMANDS)
    flowed = " ".join(commands.split())
    assert ("show Show one item: every field and fact, its state and where it comes from, "
            "its due date, the dated history and the passages it quotes.") in flowed


def test_a_command_with_dates_says_their_forms_once_under_the_options() -> None:
    page = help_page("overdue")
    assert "--due-before DATE" in page and "--as-of DATE" in page
    assert page.count("today, yesterday, tomorrow") == 1
    assert page.index("DATE is any of:") > page.index("--help")
    assert "Accepts" not in page


def test_values_are_named_by_what_they_are() -> None:
    page = help_page("list")
    for shown in ("--kind KIND", "--category CATEGORY", "--status STATUS", "--unit UNIT",
                  "--city CITY", "--tag TAG", "--search TEXT", "--sort FIELD",
                  "--format FORMAT", "--registry FILE", "--limit N"):
        assert shown in page, shown
    assert "--no-color " in page and "--no-color BOOL" not in page
    assert "--output FILE" in help_page("overdue")
    assert "Usage: circletrack mark [OPTIONS] ID..." in help_page("mark")
    add = help_page("add")
    assert "--lead UNIT" in add and "--tracks ID" in add and "--due DATE" in add


def test_an_example_is_one_line_to_copy() -> None:
    page = help_page("mark")
    assert "  Example:\n    circletrack mark 杭绍城际 -p 40 --note \"主体完工\" --source \"杭州日报\"\n" \
        in page


def test_chinese_text_wraps_by_its_width_with_line_breaking_rules() -> None:
    lines = wrap_paragraphs("Category, e.g. 交通共联 or intercity_rail (repeatable).", 30, "  ")
    assert all(cell_len(line) <= 30 for line in lines)
    assert lines[0] == "  Category, e.g. 交通共联 or"
    # a \b paragraph keeps its lines as written (Click's rule)
    assert wrap_paragraphs("\b\nExample:\n  circletrack list", 10) == [
        "Example:", "  circletrack list"]


# The help pages in Chinese (issue 25, item 9)

#: A help text with nothing to translate: the values an option takes (`table, csv, json.`).
CODE_WORDS = re.compile(r"[a-z_]+(, [a-z_]+)*\.")
#: An example in a command's help: at the end of its paragraph, in either language.
EXAMPLE = re.compile(r"(?:Examples?:|示例：) ?(circletrack .+)$")


def zh_page(*args: str, columns: int = 80) -> str:
    return help_page("--lang", "zh", *args, columns=columns)


def command_helps(name: str | None, language: str) -> tuple[str, dict[str, str]]:
    """A command's help text and its parameters' help (the --help option's too), as the
    page shows them in `language`."""
    group = typer.main.get_command(app)
    tidy_all(group)
    ctx = click.Context(group)
    command = group.get_command(ctx, name) if name else group
    with in_language(language):
        localize(command, ctx)
        helps = {param.name or "": param.help or "" for param in command.params}
        helps["help"] = command.get_help_option(ctx).help
        return command.help or "", helps


@pytest.mark.parametrize("command", [None, *COMMANDS])
@pytest.mark.parametrize("columns", [80, 120])
def test_chinese_help_fits_the_terminal_and_names_values_not_types(command: str | None,
                                                                   columns: int) -> None:
    page = zh_page(*([command] if command else []), columns=columns)
    check_page(page, columns)
    assert page.startswith(f"用法：circletrack{' ' + command if command else ''} [OPTIONS]")
    for english in ("Usage:", "Options:", "Arguments:", "Commands:", "Show this message",
                    "[required]", "[default:", "DATE is any of", "Example:"):
        assert english not in page, english
    assert "选项：" in page and "显示本帮助并退出。" in page


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_no_help_text_is_left_in_english(command: str | None) -> None:
    english_text, english = command_helps(command, "en")
    chinese_text, chinese = command_helps(command, "zh")
    assert chinese_text != english_text
    assert english.keys() == chinese.keys()
    left = [f"{name}: {text}" for name, text in english.items()
            if text and chinese[name] == text and not CODE_WORDS.fullmatch(text)]
    assert not left, "untranslated help: " + "; ".join(left)


@pytest.mark.parametrize("command", COMMANDS)
def test_the_chinese_examples_are_the_english_ones(command: str) -> None:
    def examples(text: str) -> list[str]:
        return [found.group(1) for paragraph in text.split("\n\n")
                if (found := EXAMPLE.search(" ".join(paragraph.replace("\b", "").split())))]

    english = examples(command_helps(command, "en")[0])
    assert english, "every command's help has an example"
    assert examples(command_helps(command, "zh")[0]) == english
    for example in english:
        assert shlex.split(example)[:2] == ["circletrack", command]


def test_the_chinese_root_help_lists_each_command_with_its_first_sentence() -> None:
    page = zh_page()
    assert page.count("命令：") == 1 and "Commands" not in page
    commands = page.split("命令：\n", 1)[1]
    names = [line.split()[0] for line in commands.splitlines()
             if line.startswith("  ") and not line.startswith("    ")]
    assert names == list(COMMANDS)
    flowed = "".join(line.strip() if line.startswith("    ") else "\n" + line
                     for line in commands.splitlines())
    assert ("show       显示一个事项：全部字段和数据、状态及其由来、完成时限、带日期的进展记录"
            "和所引原文。\n") in flowed
    assert "merge      把从同一台账分别修改而来的两份台账按事项、逐字段合并。\n" in flowed
    assert "git-setup  在本 git 仓库中为台账登记 circletrack 的合并驱动。" in flowed


def test_a_chinese_page_translates_the_notes_and_fills_the_values_in() -> None:
    mark = zh_page("mark")
    assert "  示例：\n    circletrack mark 杭绍城际 -p 40 --note \"主体完工\" --source \"杭州日报\"\n" \
        in mark
    assert "[必填]" in mark and "状态：planned、in_progress、done、blocked、cancelled" in mark
    assert "默认：table]" in " ".join(zh_page("log").split())
    overdue = zh_page("overdue")
    assert "--due-before DATE" in overdue and overdue.count("DATE 可写作：") == 1
    assert overdue.index("DATE 可写作：") > overdue.index("--help")
    add = " ".join(zh_page("add").split())
    assert "必填：cooperation、project、milestone。" in add
    assert "默认：该类型下一个未用的 coop-NN、prj-NNN、ms-NNN。" in add
    assert "重要节点：>= <= > < =（默认 >=）。" in add


def test_lang_counts_wherever_it_is_given() -> None:
    for args in (["--lang", "zh", "list"], ["list", "--lang", "zh"], ["--lang=zh", "list"]):
        assert help_page(*args).startswith("用法：circletrack list"), args
    assert CliRunner(env={"COLUMNS": "80"}).invoke(app, ["--help", "--lang", "zh"]
                                                   ).stdout.startswith("用法：circletrack ")
    english = CliRunner(env={"COLUMNS": "80", "CIRCLETRACK_LANG": "zh"}).invoke(
        app, ["list", "--help", "--lang", "en"]).stdout
    assert english == help_page("list")


@pytest.mark.parametrize("how", ["--lang", "CIRCLETRACK_LANG", "LANG"])
def test_the_installed_script_prints_chinese_help(how: str) -> None:
    env: dict[str, str | None] = {"COLUMNS": "80", "NO_COLOR": "1", "CIRCLETRACK_LANG": None,
                                  "LC_ALL": None, "LC_MESSAGES": None, "LANG": None}
    args = ["list", "--help"]
    if how == "--lang":
        args[:0] = ["--lang", "zh"]
    elif how == "CIRCLETRACK_LANG":
        env["CIRCLETRACK_LANG"] = "zh"
    else:
        env["LANG"] = "zh_CN.UTF-8"
    result = program.run(args, env=env, timeout=60)
    assert result.returncode == 0 and not result.stderr, result.stderr
    page = result.stdout
    assert page.startswith("用法：circletrack list [OPTIONS]\n\n"
                           "  列出事项（默认只列未完成的），可筛选和排序。\n")
    assert "  示例：\n    circletrack list --kind cooperation --unit 市交通局 --sort due\n" in page
    assert "选项：\n" in page and "  -s, --status STATUS" in page and "（可重复）" in page
    assert "显示本帮助并退出。" in page and "Options:" not in page
    assert all(cell_len(line) <= 80 for line in page.splitlines())


def test_shell_completion_describes_in_the_language() -> None:
    def complete(words: str, **env: str) -> str:
        result = CliRunner().invoke(app, [], prog_name="circletrack", env={
            "_CIRCLETRACK_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": words, **env})
        assert result.exit_code == 0, result.output
        return result.stdout

    assert '"overdue":"已逾期的未完成事项' in complete("circletrack ov", CIRCLETRACK_LANG="zh")
    assert '"--no-color":"不用颜色' in complete("circletrack --lang zh --no-c")
    assert '"--stale":"只列 DAYS 天' in complete("circletrack --lang zh list --st")
    assert '"--no-color":"No colour' in complete("circletrack --no-c", CIRCLETRACK_LANG="en")


def test_the_chinese_help_example_in_docs_cli_md_is_real_output() -> None:
    from docs_examples import normalise, sandbox
    from docs_examples import run as run_example

    text = (Path(__file__).parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    found = re.search(r"```text\n\$ (circletrack --lang zh \S+ --help)\n(.*?)```", text, re.S)
    assert found, "docs/cli.md has no ```text block of a `circletrack --lang zh … --help`"
    with sandbox():
        actual = run_example(found.group(1))
    assert normalise(actual) == normalise(found.group(2)), actual


def test_the_extractor_finds_help_where_it_is_written(tmp_path: Path) -> None:
    from test_i18n import tool

    extract = tool("extract_messages")
    source = tmp_path / "commands.py"
    source.write_text(
        '@command("x")\n'
        'def x(a: Annotated[str, typer.Option("--a", help="Help of a.")],\n'
        '      b: text_option("--b", "Help of b."),\n'
        '      d: text_option("--d", f"Due before this date. {DATE_HELP}"),\n'
        '      e: Annotated[str, typer.Option("--e", help=E_HELP)]) -> None:\n'
        '    """What x does.\n\n    Example: circletrack x"""\n', encoding="utf-8")
    found = [m.msgid for m in extract.messages_in(source, tmp_path)]
    assert sorted(found) == ["Due before this date.", "Help of a.", "Help of b.",
                             "What x does.\n\nExample: circletrack x"]
    source.write_text('O = typer.Option("--s", help=f"Status: {\', \'.join(S)}.")\n',
                      encoding="utf-8")
    with pytest.raises(extract.NotALiteral, match="commands.py:1"):
        extract.messages_in(source, tmp_path)
