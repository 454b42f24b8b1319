"""Tests for campaign.text.tlds, the generated TLD data, and tools/gen_x_tlds.py, its generator."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from campaign.text.tlds import COUNTRY, GENERIC, TLDS

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "tools" / "gen_x_tlds.py"


def _reference_lists() -> dict[str, list[str]]:
    """twitter-text-parser's gTLD and ccTLD alternations, in their order."""
    pytest.importorskip("twitter_text")
    from twitter_text.regexp.valid_cctld import valid_cctld
    from twitter_text.regexp.valid_gtld import valid_gtld

    def names(pattern: re.Pattern[str]) -> list[str]:
        body = pattern.pattern.removeprefix("(?:(?:").removesuffix(")(?=[^0-9a-zA-Z@+-]|$))")
        return body.split("|")

    return {"country": names(valid_cctld), "generic": names(valid_gtld)}


def test_the_data_is_twitter_texts_lists_in_their_order() -> None:
    reference = _reference_lists()
    assert list(GENERIC) == reference["generic"]
    assert list(COUNTRY) == reference["country"]
    assert len(TLDS) == len(GENERIC) + len(COUNTRY) > 1500


@pytest.mark.parametrize(
    "tld",
    [
        pytest.param(tld, id=tld)
        for tld in ("com", "fr", "ngo", "dupont", "google", "bmw", "рф", "한국", "中国", "みんな", "onion")
    ],
)
def test_brand_and_internationalised_tlds_are_there(tld: str) -> None:
    assert tld in TLDS


def test_the_generator_reproduces_the_data_from_tld_lib_yml(tmp_path: Path) -> None:
    # tld_lib.yml as twitter-text publishes it: the two lists, country first
    source = tmp_path / "tld_lib.yml"
    source.write_text(yaml.safe_dump(_reference_lists(), allow_unicode=True), encoding="utf-8")
    output = tmp_path / "tlds.py"
    command = [sys.executable, str(GENERATOR), "--source", str(source), "--output", str(output)]
    subprocess.run(command, check=True, capture_output=True)
    assert output.read_text(encoding="utf-8") == (ROOT / "campaign/text/tlds.py").read_text(encoding="utf-8")
    check = subprocess.run([*command[:-2], "--check"], capture_output=True, text=True)
    assert (check.returncode, check.stdout.strip().endswith("up to date")) == (0, True)


def test_the_generator_names_a_stale_file(tmp_path: Path) -> None:
    source = tmp_path / "tld_lib.yml"
    source.write_text(yaml.safe_dump({"country": ["fr"], "generic": ["com"]}), encoding="utf-8")
    command = [sys.executable, str(GENERATOR), "--source", str(source), "--check"]
    check = subprocess.run(command, capture_output=True, text=True)
    assert (check.returncode, "out of date" in check.stdout) == (1, True)
