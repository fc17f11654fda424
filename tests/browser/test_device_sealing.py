"""Drafts and the offline outbox are kept on the phone only sealed (issue 15.12).

The sealing key is a non-extractable WebCrypto key derived from the account's
device secret (GET /me/device-key). Sign-out deletes it; a session the server
ended drops it, and what waits stays sealed until the same person signs in
again, when it is sent exactly once. Another person on the phone never opens
or sends it.
"""

import json

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import (
    end_session_on_the_server,
    fresh_rows,
    open_app,
    sign_in_via_api,
    wait_for_service_worker,
    wait_until,
)

DRAFT = "SEALTEST draft about the ceiling and my father"
NOTE = "SEALTEST note written with no signal"


@pytest.fixture
def patient(care_team):
    return care_team[2]


@pytest.fixture
def other_patient(care_team):
    from tests.browser.conftest import detached

    clinic, therapist, _ = care_team
    return detached(factories.user(clinic, "patient", therapist=therapist))[0]


def raw_storage(page) -> str:
    """localStorage and every IndexedDB record, bytes decoded as text, as one string."""
    return page.evaluate(
        """async () => {
            const text = (value) => {
              if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
                const bytes = value instanceof ArrayBuffer ? new Uint8Array(value)
                  : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
                return new TextDecoder().decode(bytes);
              }
              if (value instanceof CryptoKey) return '[CryptoKey]';
              if (Array.isArray(value)) return value.map(text);
              if (value && typeof value === 'object') {
                return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, text(v)]));
              }
              return value;
            };
            const out = { localStorage: { ...localStorage } };
            for (const info of await indexedDB.databases()) {
              const db = await new Promise((ok, ko) => {
                const r = indexedDB.open(info.name);
                r.onsuccess = () => ok(r.result);
                r.onerror = () => ko(r.error);
              });
              for (const name of db.objectStoreNames) {
                out[info.name + '/' + name] = text(await new Promise((ok, ko) => {
                  const r = db.transaction(name).objectStore(name).getAll();
                  r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error);
                }));
              }
              db.close();
            }
            return JSON.stringify(out);
        }"""
    )


def device_key(page) -> dict | None:
    """What the phone keeps as its device key, described (a CryptoKey never leaves the page)."""
    return page.evaluate(
        """async () => {
            const { getValue } = await import('/js/db.js');
            const kept = await getValue('device-key');
            if (!kept) return null;
            const key = kept.key;
            let exported = true;
            try { await crypto.subtle.exportKey('raw', key); } catch { exported = false; }
            return {
              isCryptoKey: key instanceof CryptoKey,
              extractable: key.extractable,
              algorithm: key.algorithm.name,
              exported,
              user_id: kept.user_id,
            };
        }"""
    )


def key_of(page, user) -> dict:
    """The device key once the app has it for `user` (it is fetched after signing in)."""
    for _ in range(50):
        kept = device_key(page)
        if kept and kept["user_id"] == str(user.id):
            return kept
        page.wait_for_timeout(200)
    raise AssertionError(f"no device key for the user, only {device_key(page)}")


def type_a_draft(page):
    page.goto(page.url.split("#")[0] + "#/journal/new")
    page.get_by_label("What's on your mind?").fill(DRAFT)
    expect(page.get_by_text("Kept on this phone as you write.")).to_be_visible()


def queue_a_check_in_offline(page, context):
    page.goto(page.url.split("#")[0] + "#/today")
    context.set_offline(True)
    page.get_by_role("group", name="How is your mood right now?").get_by_label(
        "3", exact=True
    ).click()
    page.get_by_text("Add more (optional)").click()
    page.get_by_label("A note", exact=True).fill(NOTE)
    page.get_by_role("button", name="Save check-in").click()
    expect(page.locator("#sync-status")).to_contain_text("1 thing waiting to send.")


def sign_in_with_the_form(page, user):
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_drafts_and_the_outbox_are_kept_only_sealed_under_a_non_extractable_key(
    page, context, live_server, patient
):
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server)
    wait_for_service_worker(page)
    type_a_draft(page)
    queue_a_check_in_offline(page, context)

    stored = raw_storage(page)
    assert "SEALTEST" not in stored
    assert json.loads(stored)["between/outbox"], "the check-in waits in the outbox"
    assert device_key(page) == {
        "isCryptoKey": True,
        "extractable": False,
        "algorithm": "AES-GCM",
        "exported": False,
        "user_id": str(patient.id),
    }
    # Still the patient's own words when the app opens again (offline).
    page.reload()
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    page.goto(f"{live_server}/#/journal/new")
    expect(page.get_by_label("What's on your mind?")).to_have_value(DRAFT)
    page.goto(f"{live_server}/#/waiting")
    expect(page.get_by_role("button", name="Try sending now")).to_be_visible()


def test_signing_out_removes_the_key(page, live_server, patient):
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server, "/journal/new")
    page.get_by_label("What's on your mind?").fill(DRAFT)
    expect(page.get_by_text("Kept on this phone as you write.")).to_be_visible()
    assert device_key(page)["extractable"] is False

    page.goto(f"{live_server}/#/signout")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert device_key(page) is None
    assert "SEALTEST" not in raw_storage(page)


def test_a_session_the_server_ended_drops_the_key_and_keeps_what_waits_for_the_same_person(
    page, context, live_server, patient
):
    from server.journal.models import CheckIn

    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server)
    type_a_draft(page)
    queue_a_check_in_offline(page, context)
    end_session_on_the_server(page, live_server)
    context.set_offline(False)

    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("Your session has ended.")).to_be_visible()
    expect(page.get_by_text("Hello")).to_have_count(0)
    assert device_key(page) is None
    # What waits is still here, sealed, and nothing reached the server.
    assert len(json.loads(raw_storage(page))["between/outbox"]) == 1
    assert "SEALTEST" not in raw_storage(page)
    assert fresh_rows(CheckIn, patient_id=patient.id) == []

    sign_in_with_the_form(page, patient)
    expect(page.locator("#sync-status")).to_have_text("Everything you wrote is sent.")
    [row] = fresh_rows(CheckIn, patient_id=patient.id)
    assert (row.mood, row.note) == (3, NOTE)
    assert key_of(page, patient)["extractable"] is False
    # The draft opens again under the same key.
    page.get_by_role("link", name="Journal", exact=True).click()
    page.get_by_role("link", name="Write an entry").click()
    expect(page.get_by_text("We kept what you were writing.")).to_be_visible()
    expect(page.get_by_label("What's on your mind?")).to_have_value(DRAFT)

    # Reopening sends nothing twice.
    page.reload()
    expect(page.get_by_label("What's on your mind?")).to_have_value(DRAFT)
    page.wait_for_load_state("networkidle")
    assert len(fresh_rows(CheckIn, patient_id=patient.id)) == 1


def test_another_person_signing_in_never_opens_or_sends_what_waits(
    page, context, live_server, patient, other_patient
):
    from server.journal.models import CheckIn

    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server)
    queue_a_check_in_offline(page, context)
    end_session_on_the_server(page, live_server)
    context.set_offline(False)
    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    sign_in_with_the_form(page, other_patient)
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    expect(page.get_by_text(f"Hello, {other_patient.display_name}.")).to_be_visible()
    expect(page.get_by_text("check-in is saved on this phone")).to_have_count(0)
    page.goto(f"{live_server}/#/waiting")
    expect(page.get_by_text("Nothing is waiting")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert fresh_rows(CheckIn, patient_id=other_patient.id) == []
    assert fresh_rows(CheckIn, patient_id=patient.id) == []
    assert key_of(page, other_patient)["extractable"] is False
    assert "SEALTEST" not in raw_storage(page)


def test_what_an_earlier_version_kept_in_clear_is_sealed_once_the_key_is_here(
    page, live_server, patient
):
    sign_in_via_api(page, live_server, patient)
    # As an earlier version left them: a draft and a waiting item in clear, no
    # device key. Planted from another page of the origin before this version's
    # app first opens: with the app open, its own start-up may seal them first.
    page.goto(f"{live_server}/manifest.webmanifest")
    page.evaluate(
        """async (userId) => {
            const { put, remove } = await import('/js/db.js');
            await remove('kv', 'device-key');
            localStorage.setItem(`between.draft:${userId}:entry:new:`, 'SEALTEST left in clear');
            await put('outbox', {
              kind: 'entry', op: 'create', id: crypto.randomUUID(), method: 'POST',
              path: '/entries', body: { body: 'SEALTEST waiting in clear' },
              label: 'An entry', user_id: userId, created_at: '2026-12-01T10:00:00',
              state: 'held', problem: { status: 422, detail: 'Check it.' },
            });
        }""",
        str(patient.id),
    )
    assert "SEALTEST" in raw_storage(page)

    open_app(page, live_server)
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    assert wait_until(page, lambda: "SEALTEST" not in raw_storage(page))
    # Both still open as the patient's own words.
    page.goto(f"{live_server}/#/journal/new")
    expect(page.get_by_label("What's on your mind?")).to_have_value("SEALTEST left in clear")
    page.goto(f"{live_server}/#/waiting")
    expect(page.get_by_text("An entry")).to_be_visible()


def test_every_open_tab_drops_the_key_when_one_hears_the_session_ended(
    page, context, live_server, patient
):
    sign_in_via_api(page, live_server, patient)
    open_app(page, live_server)
    other_tab = context.new_page()
    open_app(other_tab, live_server)
    expect(other_tab.get_by_text(f"Hello, {patient.display_name}.")).to_be_visible()
    holds_key = "import('/js/sealed.js').then(m => m.deviceKey()).then(key => key !== null)"
    assert other_tab.evaluate(holds_key)

    end_session_on_the_server(page, live_server)
    page.evaluate("import('/js/api.js').then(({api}) => api('/me/settings').catch(() => null))")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    # The other tab made no call since, and still lets nobody in or use the key.
    expect(other_tab.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(other_tab.get_by_text("Hello")).to_have_count(0)
    assert not other_tab.evaluate(holds_key)
