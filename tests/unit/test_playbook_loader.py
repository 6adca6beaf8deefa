"""The playbook loader: every problem as "file:line: key: reason", with the line of the key at fault."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from socialdesk.domain.playbooks.loader import (
    PlaybookError,
    key_of,
    load_playbook,
    load_playbooks,
    validate_folder,
)

MINIMAL = Path(__file__).resolve().parents[1] / "fixtures" / "playbooks" / "minimal.yaml"
SOURCE = MINIMAL.read_text(encoding="utf-8")


def line_number(text: str, fragment: str) -> int:
    """The 1-based line of the first line that contains `fragment` (the test's own expectation)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(f"{fragment!r} not in the text")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def edited(old: str, new: str) -> str:
    assert old in SOURCE, old
    return SOURCE.replace(old, new, 1)


def problems_of(path: Path) -> list[str]:
    with pytest.raises(PlaybookError) as caught:
        load_playbook(path)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def parse(problem: str) -> tuple[str, int, str, str]:
    found = re.match(r"^(.+?):(\d+): ([^:]+): (.*)$", problem)
    assert found, problem
    return found.group(1), int(found.group(2)), found.group(3), found.group(4)


# --- the happy path ---------------------------------------------------------------------------------
def test_minimal_fixture_loads_with_grouped_forbidden_phrases() -> None:
    playbook = load_playbook(MINIMAL)
    assert playbook.id == "test-outage"
    assert playbook.forbidden.phrases == ["we believe", "our supplier"]
    assert playbook.forbidden.reasons == {"we believe": "speculation", "our supplier": "blame"}


def test_missing_or_empty_folder_gives_no_playbooks(tmp_path: Path) -> None:
    assert load_playbooks(tmp_path / "nowhere") == {}
    assert load_playbooks(tmp_path) == {}
    assert validate_folder(tmp_path / "nowhere") == []


def test_folder_loads_yaml_and_yml_by_id_and_ignores_other_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", SOURCE)
    write(tmp_path, "b.yml", SOURCE.replace("id: test-outage", "id: second-one"))
    write(tmp_path, "README.md", "# not a playbook\n")
    assert sorted(load_playbooks(tmp_path)) == ["second-one", "test-outage"]


# --- schema errors, each at the line of its key ------------------------------------------------------
def test_wrong_type_names_the_key_and_its_line(tmp_path: Path) -> None:
    text = edited("update_every_minutes: 30", "update_every_minutes: thirty")
    [problem] = problems_of(write(tmp_path, "p.yaml", text))
    path, line, key, reason = parse(problem)
    assert path == str(tmp_path / "p.yaml")
    assert line == line_number(text, "update_every_minutes: thirty")
    assert key == "severities.sev1.update_every_minutes"
    assert "integer" in reason and "'thirty'" in reason


def test_unknown_key_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    text = edited("  keywords: [down, outage]\n", "  keywords: [down, outage]\n  window_minute: 7\n")
    [problem] = problems_of(write(tmp_path, "p.yaml", text))
    _, line, key, reason = parse(problem)
    assert (line, key) == (line_number(text, "window_minute: 7"), "detection.window_minute")
    assert reason.startswith("unknown key") and "window_minutes" in reason


def test_unknown_top_level_key(tmp_path: Path) -> None:
    text = SOURCE + "colour: red\n"
    [problem] = problems_of(write(tmp_path, "p.yaml", text))
    _, line, key, _ = parse(problem)
    assert (line, key) == (line_number(text, "colour: red"), "colour")


def test_missing_required_key_points_at_the_mapping_that_should_hold_it(tmp_path: Path) -> None:
    text = edited("  empathy: We are sorry for the trouble.\n", "")
    [problem] = problems_of(write(tmp_path, "p.yaml", text))
    _, line, key, reason = parse(problem)
    assert (line, key) == (line_number(text, "slots:"), "slots.empathy")
    assert "missing" in reason


def test_model_level_error_is_mapped_to_the_key_it_names(tmp_path: Path) -> None:
    text = edited("      chain: [comms_lead]", "      chain: [comms_lead, lawyers]")
    [problem] = problems_of(write(tmp_path, "p.yaml", text))
    _, line, key, reason = parse(problem)
    assert (line, key) == (
        line_number(text, "chain: [comms_lead, lawyers]"),
        "severities.sev1.approvals.chain",
    )
    assert reason == "unknown role 'lawyers'"


def test_list_item_error_names_the_index(tmp_path: Path) -> None:
    text = edited("    channels: [x, status page]", "    channels: []")
    [problem] = problems_of(write(tmp_path, "p.yaml", text))
    _, line, key, _ = parse(problem)
    assert (line, key) == (line_number(text, "channels: []"), "audiences[0].channels")


def test_every_schema_problem_is_reported_not_only_the_first(tmp_path: Path) -> None:
    text = edited("update_every_minutes: 30", "update_every_minutes: thirty")
    text = text.replace("title: Test outage", "title: T")
    keys = {parse(p)[2] for p in problems_of(write(tmp_path, "p.yaml", text))}
    assert keys == {"severities.sev1.update_every_minutes", "title"}


def test_duplicate_key_in_a_mapping_is_reported(tmp_path: Path) -> None:
    text = edited("title: Test outage\n", "title: Test outage\ntitle: Another\n")
    [problem] = problems_of(write(tmp_path, "p.yaml", text))
    _, line, key, _ = parse(problem)
    assert (line, key) == (line_number(text, "title: Another"), "title")


# --- YAML errors -----------------------------------------------------------------------------------
def test_invalid_yaml_gives_the_parsers_line(tmp_path: Path) -> None:
    text = edited("  keywords: [down, outage]", "  keywords: [down, outage")
    [problem] = problems_of(write(tmp_path, "p.yaml", text))
    _, line, key, reason = parse(problem)
    assert key == "yaml" and "not valid YAML" in reason
    # The parser notices the unclosed list on the next line that cannot belong to it.
    assert line == line_number(text, "keywords: [down, outage") + 1


def test_empty_file_and_non_mapping(tmp_path: Path) -> None:
    [empty] = problems_of(write(tmp_path, "empty.yaml", "# nothing\n"))
    assert parse(empty)[1:] == (1, "file", "the file is empty")
    [listed] = problems_of(write(tmp_path, "list.yaml", "\n- a\n- b\n"))
    assert parse(listed)[1:3] == (2, "file")


# --- templates -------------------------------------------------------------------------------------
def test_unknown_template_variable_is_named_at_the_templates_line(tmp_path: Path) -> None:
    text = edited('  x: "{{ headline }}.', '  x: "{{ headline }} {{ eta }}.')
    [problem] = problems_of(write(tmp_path, "p.yaml", text))
    _, line, key, reason = parse(problem)
    assert (line, key) == (line_number(text, "{{ eta }}"), "holding.x")
    assert reason.startswith("unknown variable {{ eta }}")


def test_template_syntax_error_gives_the_template_line(tmp_path: Path) -> None:
    text = edited("    {% for item in unknowns %}", "    {% for item in unknowns | shout %}")
    [problem] = problems_of(write(tmp_path, "p.yaml", text))
    _, line, key, reason = parse(problem)
    assert (line, key) == (line_number(text, "  default: |"), "holding.default")
    assert "does not compile (line 3 of the template)" in reason and "shout" in reason


def test_x_template_that_only_fits_with_short_values_fails(tmp_path: Path) -> None:
    # Fits with a short headline; with the loader's 80-character sample headline it does not.
    text = edited(
        '  x: "{{ headline }}. Next update by {{ next_update }}: {{ where_updates }}"',
        '  x: "{{ headline }}. {{ empathy }} {{ what_to_do }} {{ scope }} {{ empathy }} {{ what_to_do }}'
        ' {{ scope }} Next update by {{ next_update }}: {{ where_updates }}"',
    )
    [problem] = problems_of(write(tmp_path, "p.yaml", text))
    _, line, key, reason = parse(problem)
    assert (line, key) == (line_number(text, "  x: "), "holding.x")
    assert re.search(r"for X: X: (\d+) characters, the limit is 280", reason)
    assert int(re.search(r"X: (\d+) characters", reason).group(1)) > 280  # type: ignore[union-attr]


def test_default_template_too_long_for_x_is_blamed_on_default(tmp_path: Path) -> None:
    text = edited(
        '  default: "Update {{ time }}: {{ headline }}. Next update by {{ next_update }}."',
        '  default: "Update {{ time }}: {{ headline }}. {{ summary }}"',
    )
    [problem] = problems_of(write(tmp_path, "p.yaml", text))
    _, line, key, _ = parse(problem)
    assert (line, key) == (line_number(text, "{{ summary }}"), "update.default")


def test_forbidden_phrase_in_a_slot_default_is_reported_once_at_the_slot(tmp_path: Path) -> None:
    text = edited("  empathy: We are sorry for the trouble.", "  empathy: We believe we are sorry.")
    [problem] = problems_of(write(tmp_path, "p.yaml", text))
    _, line, key, reason = parse(problem)
    assert (line, key) == (line_number(text, "empathy: We believe"), "slots.empathy")
    assert reason == 'contains the forbidden phrase "we believe" (speculation)'


def test_personal_data_in_a_template_is_reported(tmp_path: Path) -> None:
    text = edited("    Next update by {{ next_update }}.", "    Write to ops.lead@example.com.")
    problems = [parse(p) for p in problems_of(write(tmp_path, "p.yaml", text))]
    # The default template serves both Facebook and the status page: each is named.
    assert [(key, reason.split(": ", 1)[0]) for _, _, key, reason in problems] == [
        ("holding.default", "filled with the playbook's defaults and long sample values, for Facebook"),
        ("holding.default", "filled with the playbook's defaults and long sample values, for Status page"),
    ]
    assert all(reason.endswith("contains personal data (an email address)") for *_, reason in problems)


def test_canned_reply_may_use_canned_placeholders_but_not_unknown_names(tmp_path: Path) -> None:
    good = edited("Hi {{ customer_name }}, we are on it.", "Hi {{ customer_name }} ({{ case_ref }}), on it.")
    load_playbook(write(tmp_path, "good.yaml", good))
    bad = edited("Hi {{ customer_name }}, we are on it.", "Hi {{ customer.name }}, we are on it.")
    [problem] = problems_of(write(tmp_path, "bad.yaml", bad))
    _, line, key, reason = parse(problem)
    assert (line, key) == (line_number(bad, "canned_reply:"), "canned_reply")
    assert "unknown variable {{ customer }}" in reason


def test_private_attribute_access_is_refused_at_load(tmp_path: Path) -> None:
    text = edited('  x: "{{ headline }}.', '  x: "{{ headline.__class__ }}.')
    [problem] = problems_of(write(tmp_path, "p.yaml", text))
    assert "access to '__class__' is not allowed" in problem


# --- a folder --------------------------------------------------------------------------------------
def test_duplicate_id_across_two_files_names_both(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", SOURCE)
    second = write(tmp_path, "b.yaml", SOURCE)
    with pytest.raises(PlaybookError) as caught:
        load_playbooks(tmp_path)
    [problem] = caught.value.problems
    path, line, key, reason = parse(problem)
    assert (path, line, key) == (str(second), line_number(SOURCE, "id: test-outage"), "id")
    assert str(first) in reason and "test-outage" in reason


def test_validate_folder_reports_every_file(tmp_path: Path) -> None:
    write(tmp_path, "good.yaml", SOURCE)
    write(tmp_path, "bad1.yaml", SOURCE.replace("title: Test outage", "title: T"))
    write(tmp_path, "bad2.yaml", "id: [\n")
    problems = validate_folder(tmp_path)
    assert sorted(Path(parse(p)[0]).name for p in problems) == ["bad1.yaml", "bad2.yaml"]


def test_key_of_formats_locations() -> None:
    assert key_of(("audiences", 2, "owner")) == "audiences[2].owner"
    assert key_of(()) == "file"
