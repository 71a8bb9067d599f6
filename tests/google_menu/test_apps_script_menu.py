"""The Apps Script behind "Funnel → Refresh now", run under Node with stand-in services."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "templates" / "google" / "Code.gs"
MANIFEST = ROOT / "templates" / "google" / "appsscript.json"
HARNESS = Path(__file__).with_name("harness.js")
SET_UP = {"FUNNEL_SERVICE_URL": "https://funnel.example.com/",
          "FUNNEL_SECRET": "correct-horse-battery-staple-42"}


def run_script(call: str, **scenario: Any) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is needed to run the Apps Script tests (apt-get install nodejs)")
    scenario.setdefault("properties", SET_UP)
    done = subprocess.run([node, str(HARNESS)], input=json.dumps({
        "script": str(SCRIPT), "call": call, **scenario}), capture_output=True, text=True,
        timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_the_manifest_asks_for_the_narrowest_scopes():
    manifest = json.loads(MANIFEST.read_text())
    assert manifest["runtimeVersion"] == "V8"
    assert sorted(manifest["oauthScopes"]) == [
        "https://www.googleapis.com/auth/script.container.ui",      # the menu, toasts, prompts
        "https://www.googleapis.com/auth/script.external_request",  # calling the service
        "https://www.googleapis.com/auth/script.scriptapp",         # the daily trigger
        "https://www.googleapis.com/auth/spreadsheets.currentonly",  # this spreadsheet's id
    ]


def test_opening_the_spreadsheet_adds_the_funnel_menu():
    out = run_script("onOpen")
    (menu,) = out["menus"]
    assert menu["title"] == "Funnel" and menu["added"]
    assert menu["items"][0] == ["Refresh now", "refreshNow"]
    assert ["Refresh every day", "installDailyTrigger"] in menu["items"]


def test_refresh_now_posts_the_spreadsheet_id_with_the_secret():
    body = {"status": "ok", "message": "15 deals, 3 flagged, 3.45 expected closes"}
    out = run_script("refreshNow", spreadsheetId="1AbCdEfGhIjKlMnOpQrStUvWxYz0",
                     response={"code": 200, "body": json.dumps(body)})
    (fetch,) = out["fetches"]
    assert fetch["url"] == "https://funnel.example.com/refresh"
    options = fetch["options"]
    assert options["method"] == "post" and options["contentType"] == "application/json"
    assert options["headers"] == {"X-Funnel-Secret": "correct-horse-battery-staple-42"}
    assert json.loads(options["payload"]) == {"spreadsheet": "1AbCdEfGhIjKlMnOpQrStUvWxYz0"}
    assert options["muteHttpExceptions"] is True and options["followRedirects"] is False
    assert out["toasts"][-1] == {"message": "15 deals, 3 flagged, 3.45 expected closes",
                                 "title": "Funnel refreshed", "seconds": 10}


@pytest.mark.parametrize(
    ("response", "message"),
    [
        ({"code": 422, "body": json.dumps({"status": "failed",
                                           "message": "no 'Pipeline' (or 'Воронка') tab"})},
         "no 'Pipeline' (or 'Воронка') tab"),
        ({"code": 409, "body": json.dumps({"status": "busy", "message": "being refreshed"})},
         "being refreshed"),
        ({"code": 502, "body": "<html>Bad gateway</html>"},
         "The refresh service answered HTTP 502."),
        ({"throw": "DNS error: funnel.example.com"},
         "Could not reach the refresh service: DNS error: funnel.example.com"),
    ],
)
def test_a_failure_shows_the_services_message(response, message):
    out = run_script("refreshNow", response=response)
    assert out["toasts"][-1] == {"message": message, "title": "Funnel: refresh failed",
                                 "seconds": 30}
    assert out["returned"]["ok"] is False


@pytest.mark.parametrize("missing", ["FUNNEL_SECRET", "FUNNEL_SERVICE_URL"])
def test_a_missing_property_says_how_to_set_it_up_and_sends_nothing(missing):
    properties = {k: v for k, v in SET_UP.items() if k != missing}
    out = run_script("refreshNow", properties=properties)
    assert out["fetches"] == []
    toast = out["toasts"][-1]["message"]
    assert toast.startswith("The refresh service is not set up: add FUNNEL_SERVICE_URL and "
                            "FUNNEL_SECRET in Extensions → Apps Script → Project Settings")


def test_the_secret_is_never_sent_over_plain_http():
    out = run_script("refreshNow", properties={**SET_UP,
                                               "FUNNEL_SERVICE_URL": "http://funnel.example.com"})
    assert out["fetches"] == []
    assert "must start with https://" in out["toasts"][-1]["message"]


def test_daily_trigger_replaces_an_earlier_one_at_the_chosen_hour():
    out = run_script("installDailyTrigger", properties={**SET_UP, "FUNNEL_REFRESH_HOUR": "6"},
                     triggers=["nightlyRefresh", "somethingElse"])
    assert out["deletedTriggers"] == ["nightlyRefresh"]
    assert out["triggers"] == [{"handler": "nightlyRefresh", "timeBased": True, "everyDays": 1,
                                "atHour": 6}]
    assert out["properties"]["FUNNEL_SPREADSHEET_ID"] == "SHEET-ID-123"
    default = run_script("installDailyTrigger", properties={**SET_UP,
                                                            "FUNNEL_REFRESH_HOUR": "25"})
    assert default["triggers"][0]["atHour"] == 5


def test_the_trigger_refreshes_the_saved_spreadsheet_and_logs():
    out = run_script("nightlyRefresh", spreadsheetId=None,
                     properties={**SET_UP, "FUNNEL_SPREADSHEET_ID": "1SavedAtInstall000000000000"},
                     response={"code": 200, "body": json.dumps({"message": "2 deals"})})
    assert json.loads(out["fetches"][0]["options"]["payload"]) == {
        "spreadsheet": "1SavedAtInstall000000000000"}
    assert out["logs"] == ["Funnel refreshed: 2 deals"]
    assert out["toasts"] == []


def test_set_up_stores_the_address_and_secret():
    out = run_script("setUpService", properties={},
                     prompts=[{"button": "OK", "text": " https://funnel.example.com "},
                              {"button": "OK", "text": "s3cret-s3cret-s3cret"}])
    assert out["properties"] == {"FUNNEL_SERVICE_URL": "https://funnel.example.com",
                                 "FUNNEL_SECRET": "s3cret-s3cret-s3cret"}
    cancelled = run_script("setUpService", properties={}, prompts=[{"button": "CANCEL"}])
    assert cancelled["properties"] == {}
