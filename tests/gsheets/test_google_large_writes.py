"""Writes over the request-size limit: staging tabs in chunks, one swap, never half-seen."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from conftest import WORKED_AS_OF

from sheets_funnel.backends.google_cells import sheets_of
from sheets_funnel.backends.google_write import MAX_REQUEST_BYTES, STAGING_PREFIX, write_plan
from sheets_funnel.backends.gsheets import GoogleSheet
from sheets_funnel.backends.retry import RetryPolicy
from sheets_funnel.cells import Heading, Money, NumberHeading, Percent
from sheets_funnel.errors import SheetsFunnelError
from sheets_funnel.refresh import refresh
from sheets_funnel.sample import sample_deals
from sheets_funnel.templates import build_workbook

OWNED = ("Funnel", "Focus", "History", "_funnel_state")
OLD = {tab: [[f"old {tab}"], ["still old"]] for tab in OWNED}


def pipeline(fake, tmp_path, deals):
    book = build_workbook(tmp_path / f"p{deals}.xlsx", "en",
                          sample_deals(deals, "en", WORKED_AS_OF), {"sales_target": 10})
    return fake.load_xlsx(book)


def titles(fake, sid):
    return [s["properties"]["title"] for s in fake.metadata(sid)["sheets"]]


def sheet_ids(fake, sid):
    return {s["properties"]["title"]: s["properties"]["sheetId"]
            for s in fake.metadata(sid)["sheets"]}


def digest(rows) -> str:
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def watch_owned_tabs(fake, sid):
    """Read every owned tab after each API request; returns the list of what was seen."""
    seen: list[dict[str, str]] = []

    def look(method, path):
        if method == "POST":
            seen.append({tab: digest(fake.values(sid, tab)) for tab in OWNED})

    fake.after_each_request(look)
    return seen


def write_and_watch(fake, sid, credentials, limit):
    """Refresh with ``limit`` over old owned tabs, watching them between the requests."""
    GoogleSheet(sid, credentials).write(OLD)
    ids_before = sheet_ids(fake, sid)
    seen = watch_owned_tabs(fake, sid)
    fake.reset_requests()
    sheet = GoogleSheet(sid, credentials, max_request_bytes=limit)
    refresh(sheet, WORKED_AS_OF)
    fake.after_each_request(None)
    old = {tab: digest(OLD[tab]) for tab in OWNED}
    new = {tab: digest(fake.values(sid, tab)) for tab in OWNED}
    assert old != new
    return sheet, seen, old, new, ids_before


def test_a_write_over_the_limit_is_never_seen_half_done(fake, tmp_path, user_credentials):
    sid = pipeline(fake, tmp_path, 400)
    sheet, seen, old, new, ids_before = write_and_watch(fake, sid, user_credentials, 20_000)
    posts = batch_updates(fake)
    assert len(posts) >= 4  # create the staging tabs, fill them in chunks, swap
    assert all(sent <= 20_000 for _, _, sent, _ in posts)
    # each observation between two requests shows every owned tab all old or all new
    assert len(seen) == len(posts)
    assert all(view in (old, new) for view in seen)
    assert seen[-1] == new and seen[0] == old
    # the owned tabs kept their sheet ids (the Flags formula and the chart point at them);
    # the staging tabs are gone
    assert {t: i for t, i in sheet_ids(fake, sid).items() if t in OWNED} == {
        t: ids_before[t] for t in OWNED}
    assert not [t for t in titles(fake, sid) if t.startswith(STAGING_PREFIX)]
    assert sheet.traffic.largest_sent <= 20_000


def test_the_same_content_as_one_request(fake, tmp_path, user_credentials):
    one = pipeline(fake, tmp_path, 400)
    many = fake.load_xlsx(tmp_path / "p400.xlsx")
    refresh(GoogleSheet(one, user_credentials), WORKED_AS_OF)
    refresh(GoogleSheet(many, user_credentials, max_request_bytes=20_000), WORKED_AS_OF)
    for tab in OWNED:
        assert fake.values(one, tab) == fake.values(many, tab)
    for r, c in ((0, 0), (1, 6), (5, 7)):  # a bold heading, dates in Focus
        assert (fake.spreadsheet(one).sheet("Focus").cell(r, c).data
                == fake.spreadsheet(many).sheet("Focus").cell(r, c).data)
    assert titles(fake, one) == titles(fake, many)


def test_a_write_stopped_between_chunks_leaves_the_old_tabs_and_is_cleaned_up_next_time(
        fake, tmp_path, user_credentials):
    sid = pipeline(fake, tmp_path, 400)
    GoogleSheet(sid, user_credentials).write(OLD)
    posts = []

    def fail_after_two_writes(method, path):
        if method == "POST":
            posts.append(path)
            if len(posts) == 2:  # the staging tabs exist and hold their first chunk
                fake.fail_next(503, count=2)

    fake.after_each_request(fail_after_two_writes)
    stopped = GoogleSheet(sid, user_credentials, max_request_bytes=20_000,
                          retry=RetryPolicy(attempts=2, sleep=lambda s: None))
    with pytest.raises(SheetsFunnelError, match="writing the staging tabs"):
        refresh(stopped, WORKED_AS_OF)
    fake.after_each_request(None)
    leftovers = [t for t in titles(fake, sid) if t.startswith(STAGING_PREFIX)]
    assert leftovers  # a stopped write leaves its hidden staging tabs ...
    for tab in OWNED:  # ... and the owned tabs as they were
        assert fake.values(sid, tab) == OLD[tab]
    fake.reset_requests()
    again = GoogleSheet(sid, user_credentials, max_request_bytes=20_000)
    assert STAGING_PREFIX + "Focus" not in again.tab_names()
    refresh(again, WORKED_AS_OF)
    assert not [t for t in titles(fake, sid) if t.startswith(STAGING_PREFIX)]
    assert fake.values(sid, "Focus")[0][0] == "Deal ID"


def test_a_hundred_thousand_deals_at_the_default_limits(fake, tmp_path, user_credentials):
    sid = pipeline(fake, tmp_path, 100_000)
    sheet, seen, old, new, _ = write_and_watch(fake, sid, user_credentials, MAX_REQUEST_BYTES)
    posts = batch_updates(fake)
    assert len(posts) > 2
    assert max(sent for _, _, sent, _ in posts) <= 2_000_000
    assert sheet.traffic.largest_sent <= 2_000_000
    assert all(view in (old, new) for view in seen) and seen[-1] == new
    assert len(fake.values(sid, "Focus")) > 20_000


# --- a write whose answer is lost -------------------------------------------------------------

def batch_updates(fake):
    """The write requests served: batchUpdate and values:batchUpdate."""
    return [t for t in fake.traffic if t[0] == "POST" and t[1].endswith(":batchUpdate")]


@pytest.mark.parametrize("limit", [MAX_REQUEST_BYTES, 20_000])
def test_a_write_whose_answer_is_lost_is_checked_and_not_sent_again(fake, tmp_path,
                                                                    user_credentials, limit):
    sid = pipeline(fake, tmp_path, 400)
    refresh(GoogleSheet(sid, user_credentials), WORKED_AS_OF)
    expected = {tab: fake.values(sid, tab) for tab in OWNED}
    GoogleSheet(sid, user_credentials).write(OLD)
    sheet = GoogleSheet(sid, user_credentials, max_request_bytes=limit,
                        retry=RetryPolicy(sleep=lambda s: None))
    sheet.read(["Pipeline", "Settings", "History", "_funnel_state"])
    writes = len(write_plan(expected, sheets_of(fake.metadata(sid)), limit=limit).requests)
    fake.reset_requests()

    def lose_the_last(method, path):
        if len(batch_updates(fake)) == writes:
            fake.lose_next_replies(1)  # the write that shows the new tabs lands, unheard
            fake.after_each_request(None)

    fake.after_each_request(lose_the_last)
    sheet.write(expected)
    assert len(batch_updates(fake)) == writes  # read back, found landed, not sent again
    assert [m for m, p in fake.requests if p.endswith(sid)].count("GET") == 1
    for tab in OWNED:
        assert fake.values(sid, tab) == expected[tab]
    (marker,) = fake.metadata(sid)["developerMetadata"]
    assert marker["metadataKey"] == "sheets-funnel.write"


def test_writes_wait_longer_than_the_apis_processing_limit(fake, worked_example,
                                                          user_credentials, monkeypatch):
    import requests

    timeouts: list[tuple[str, object]] = []
    original = requests.Session.request

    def record(self, method, url, *args, **kwargs):
        timeouts.append((url, kwargs.get("timeout")))
        return original(self, method, url, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", record)
    sid = fake.load_xlsx(worked_example)
    refresh(GoogleSheet(sid, user_credentials), WORKED_AS_OF)
    writes = [t for url, t in timeouts if url.endswith(":batchUpdate")]
    assert writes and all(t is not None and float(t) >= 180 for t in writes)


# --- the staging tabs are filled with values as they are --------------------------------------

TRICKY = {
    "Focus": [
        [Heading("Deal ID"), Heading("Account"), NumberHeading("Value"), Heading("Next Step Date")],
        # text that typing (or USER_ENTERED) would turn into a number, formula, date or boolean
        ["00123", "=HYPERLINK(\"x\")", Money(1500), dt.date(2026, 7, 1)],
        ["1/2", "TRUE", Percent(0.25), None],
        ["'quoted", "2026-01-01", 3.5, dt.date(2027, 1, 31)],
        ["", None, True, "x"],
    ],
}


def test_a_staged_write_stores_text_numbers_and_dates_as_a_single_write_does(
        fake, user_credentials):
    one = fake.create_spreadsheet("one", {"Pipeline": [["Deal ID"]]})
    many = fake.create_spreadsheet("many", {"Pipeline": [["Deal ID"]]})
    GoogleSheet(one, user_credentials).write(TRICKY)
    fake.reset_requests()
    GoogleSheet(many, user_credentials, max_request_bytes=2_000).write(TRICKY)
    paths = [p for m, p in fake.requests if m == "POST"]
    assert any(p.endswith("/values:batchUpdate") for p in paths)  # the staged path was taken
    assert all(sent <= 2_000 for m, _, sent, _ in fake.traffic if m == "POST")
    # dates as serial numbers: 2025-01-01 is 45658, so 2026-01-01 is 45658 + 365 = 46023,
    # 2026-07-01 is 46023 + 181 (January to June) = 46204, 2027-01-31 is 46023 + 365 + 30
    assert fake.values(many, "Focus") == [
        ["Deal ID", "Account", "Value", "Next Step Date"],
        ["00123", "=HYPERLINK(\"x\")", 1500, 46204],
        ["1/2", "TRUE", 0.25],
        ["'quoted", "2026-01-01", 3.5, 46418],
        ["", "", True, "x"],
    ]
    focus_one = fake.spreadsheet(one).sheet("Focus")
    focus_many = fake.spreadsheet(many).sheet("Focus")
    for r, row in enumerate(TRICKY["Focus"]):
        for c in range(len(row)):
            a, b = focus_one.cell(r, c), focus_many.cell(r, c)
            assert (a.data if a else {}) == (b.data if b else {}), (r, c)
    # the text really is text, the date a serial number with a date format
    assert focus_many.cell(1, 0).data["userEnteredValue"] == {"stringValue": "00123"}
    assert focus_many.cell(1, 1).data["userEnteredValue"] == {"stringValue": '=HYPERLINK("x")'}
    assert focus_many.cell(1, 3).data["userEnteredValue"] == {"numberValue": 46204}
    assert focus_many.cell(1, 3).data["userEnteredFormat"]["numberFormat"]["type"] == "DATE"


def test_a_lost_answer_to_any_request_of_a_staged_write(fake, tmp_path, user_credentials):
    """Whichever request's answer is lost, the write ends complete, each request applied
    once in effect: the staging tabs are not created twice, a chunk is rewritten as it was,
    the swap is not repeated."""
    sid = pipeline(fake, tmp_path, 400)
    refresh(GoogleSheet(sid, user_credentials), WORKED_AS_OF)
    expected = {tab: fake.values(sid, tab) for tab in OWNED}
    count = len(write_plan(expected, sheets_of(fake.metadata(sid)), limit=20_000).requests)
    assert count >= 4
    for lost in range(1, count + 1):
        GoogleSheet(sid, user_credentials).write(OLD)
        ids = sheet_ids(fake, sid)
        fake.reset_requests()

        def lose(method, path, lost=lost):
            if method == "POST" and len(batch_updates(fake)) == lost:
                fake.lose_next_replies(1)  # this write has landed; its answer is lost
                fake.after_each_request(None)

        fake.after_each_request(lose)
        sheet = GoogleSheet(sid, user_credentials, max_request_bytes=20_000,
                            retry=RetryPolicy(sleep=lambda s: None))
        sheet.read(["Pipeline"])
        sheet.write(expected)
        fake.after_each_request(None)
        posts = len(batch_updates(fake))
        # the lost one is sent again only when reading back cannot tell it landed
        assert posts == (count + 1 if 1 < lost < count else count), lost
        for tab in OWNED:
            assert fake.values(sid, tab) == expected[tab], (lost, tab)
        assert not [t for t in titles(fake, sid) if t.startswith(STAGING_PREFIX)]
        assert {t: i for t, i in sheet_ids(fake, sid).items() if t in OWNED} == {
            t: ids[t] for t in OWNED}


def test_the_quick_size_check_never_sends_a_write_that_fits_one_request_through_staging():
    # every kind of cell a refresh writes, blanks and cells Google cannot hold among them
    row = [Heading("Stage"), NumberHeading("Deals"), 0, True, -1.5, dt.date(2026, 1, 1),
           Percent(0.5), Money(1200.0), "", None, float("nan"), float("inf"), "a"]
    tabs = {"Focus": [row] * 40}
    single = write_plan(tabs, [])
    body = single.requests[0].body
    assert len(single.requests) == 1
    # the lower bound of the size is under the real size, so a limit the real body meets
    # still gives one request ...
    assert len(write_plan(tabs, [], limit=len(body)).requests) == 1
    # ... and one byte less goes through staging tabs
    assert len(write_plan(tabs, [], limit=len(body) - 1).requests) > 1
