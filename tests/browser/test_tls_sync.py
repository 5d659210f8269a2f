"""The app syncing with a real fieldcheck-server over HTTPS (issue 17): certificates of a CA made in
the test (certificates.py), the laptop logged in with `fieldcheck login --server https://… --ca
CA`, as an inspector's first login is. An inspection filled and finalized in the browser is sent;
after the server's key changed, the app's sync says so and sends nothing."""
import json
import os
import re
import urllib.parse

import certificates
import harness
from browser_case import BrowserTestCase
from test_flows import COMPLETE_BAR, SAVED_AS
from test_sync_flows import complete_draft

BAR = "CS-15"  # a bar in Bảo Lạc (packaging/seed/cao-bang-2019/establishments.json)
SYNC_WAIT_S = 120  # a sync over TLS on a loaded two-core machine


class HttpsProvinceTestCase(BrowserTestCase):
    """A province served over HTTPS on 127.0.0.1 with a certificate of the test's CA, its
    inspector Lan of Bảo Lạc, and Lan's laptop logged in with that CA (and synced once)."""

    def setUp(self):
        self.prov = self.province()
        self.certs = self.prov.dir / "certs"
        os.makedirs(self.certs)
        self.ca = certificates.make_ca(self.certs)
        self.good = certificates.make_server_certificate(self.certs, "server", self.ca, serial=1001)
        self.prov.add_user("lan", "--role", "inspector", "--district", "bao-lac")
        # A port of its own, so that the server restarted later answers at the address Lan logged in to.
        self.server = self.prov.serve(harness.free_port(), self.good.tls)
        self.assertTrue(self.server.url.startswith("https://127.0.0.1:"), self.server.url)
        self.lan = harness.Laptop(self.prov.dir / "lan", "lan")
        login = self.lan.login(self.server, ca=self.ca.cert)
        self.assertIn("Server certificate verified; key (SHA-256): " + certificates.key_sha256(self.good.cert),
                      login.stdout)
        self.lan.sync()

    # -- the server, through its command line and its log

    def server_inspections(self):
        """Number -> the server's inspection, as `fieldcheck-server export --kind inspection
        --format jsonl --lang en` writes it (English column names)."""
        out = harness.run([harness.config["server"], "--data", self.prov.data, "export", "--kind", "inspection",
                           "--format", "jsonl", "--lang", "en"]).stdout
        rows = [json.loads(line) for line in out.splitlines() if line.strip()]
        return {row["Number"]: row for row in rows}

    def syncs_logged(self):
        """How many syncs the server running now has answered (its log's "200 POST /v1/sync" lines)."""
        return self.server.log_text().count(" 200 POST /v1/sync ")

    # -- the page

    def record_of(self, web):
        return urllib.parse.unquote(web.driver.current_url.rsplit("/", 1)[1])

    def press_sync(self, web):
        """Presses "Sync now" on the sync screen and waits for the result of that sync, ok or
        failed; returns the result box. The screen shows the last sync's result as it opens: an
        observer set before the press counts only a result drawn after the box was cleared."""
        self.go(web, "#/sync", "#sync-now")
        web.wait(lambda d: d.find_element("id", "sync-now").is_enabled(), message="Sync now stays disabled")
        web.script(
            "const box = document.getElementById('sync-result');"
            "const ended = () => (/sync-result--(ok|failed)/.exec(box.className) || [null])[0];"
            "let cleared = !ended();"
            "window.__fcSyncEnded = null;"
            "new MutationObserver(() => {"
            "  if (!ended()) cleared = true; else if (cleared) window.__fcSyncEnded = ended();"
            "}).observe(box, {attributes: true, attributeFilter: ['class']});")
        web.find("#sync-now").click()
        web.wait(lambda d: d.execute_script("return window.__fcSyncEnded"), timeout=SYNC_WAIT_S,
                 message="the sync did not end")
        return web.find("#sync-result")

    def pending_changes(self, web, ui):
        return web.api(ui, "GET", "/api/today").json()["status"]["pending_changes"]


class HttpsSyncTest(HttpsProvinceTestCase):

    def test_fill_finalize_and_sync_over_https(self):
        """tls: an inspection filled and finalized in the app is sent over https to the server the laptop logged in to with its CA"""
        ui = self.app(self.lan)
        web = self.browser(check_origin=ui.origin)
        self.open_app(web, ui)
        self.go(web, f"#/establishment/{BAR}", "#start-inspection").click()
        web.wait(lambda d: re.search(r"#/record/[^/]+$", d.current_url), message="no record screen opened")
        web.visible("[data-question]")
        record = self.record_of(web)
        for qid, text in COMPLETE_BAR:
            self.type_answer(web, qid, text)
        self.wait_settled(web)
        answers = self.answers(web, ui, record)
        for qid, text in COMPLETE_BAR:
            self.assertEqual(answers[qid], SAVED_AS.get(text, text), qid)
        self.assertEqual(self.form(web, ui, record)["missing"], [])
        web.find("#finalize").click()
        web.wait(lambda d: self.form(web, ui, record)["standing"]["code"] == "finalized",
                 message="the inspection was not finalized")
        self.shot(web, "finalized")
        self.assertGreater(self.pending_changes(web, ui), 0)
        self.assertNotIn(record, self.server_inspections(), "the inspection reached the server before the sync")

        syncs_before = self.syncs_logged()
        box = self.press_sync(web)
        self.shot(web, "synced")
        self.assertIn("sync-result--ok", box.get_attribute("class"), box.text)
        self.assertIn("Đồng bộ xong", box.text)
        sent = [li.text for li in box.find_elements("css selector", "ul.counts li") if "phiếu/hồ sơ đã gửi" in li.text]
        self.assertEqual(len(sent), 1, f"the page does not say how many records were sent: {box.text}")
        self.assertGreaterEqual(int(re.match(r"\d+", sent[0]).group(0)), 1, sent[0])
        self.assertEqual(self.pending_changes(web, ui), 0)

        # The server holds it, finalized (submitted), with the answers given in the browser, from
        # the app's own sync over https.
        held = self.server_inspections()
        self.assertIn(record, held, f"the server holds no {record}: {sorted(held)}")
        self.assertEqual(held[record]["State"], "Submitted")
        self.assertEqual(held[record]["Members of the inspection team"], "Đoàn 1")
        self.assertEqual(held[record]["Number of workers"], 4)
        self.assertGreater(self.syncs_logged(), syncs_before)


class ChangedKeyTest(HttpsProvinceTestCase):

    def test_changed_key_refused_in_the_app(self):
        """tls: after the server's key changed the app's sync says so in Vietnamese and English, to log in again, and nothing reaches the server"""
        record = complete_draft(self.lan, BAR)
        ui = self.app(self.lan)
        web = self.browser(check_origin=ui.origin)
        self.open_app(web, ui)
        box = self.press_sync(web)
        self.assertIn("sync-result--ok", box.get_attribute("class"), box.text)  # the key Lan verified at login
        self.shot(web, "synced-before")
        before = self.server_inspections().get(record)

        # The province's server comes back at the same address with a certificate of the same CA
        # (its chain is good) and a new key.
        changed = certificates.make_server_certificate(self.certs, "changed", self.ca, serial=1002)
        port = self.server.port
        self.server.stop()
        self.server = self.prov.serve(port, changed.tls)
        address = self.server.url

        self.go(web, f"#/record/{record}", "#finalize").click()
        web.wait(lambda d: self.form(web, ui, record)["standing"]["code"] == "finalized",
                 message="the inspection was not finalized")
        pending = self.pending_changes(web, ui)
        self.assertGreater(pending, 0)

        box = self.press_sync(web)
        self.shot(web, "refused-vi")
        self.assertIn("sync-result--failed", box.get_attribute("class"), box.text)
        title = box.find_element("css selector", ".alert__title")
        self.assertEqual(title.get_attribute("lang"), "vi")
        self.assertIn(f"Chứng chỉ của máy chủ {address} đã thay đổi", title.text)
        self.assertIn(f"chạy lại `fieldcheck login --server {address} --user TÊN`", title.text)
        new_key = certificates.key_sha256(changed.cert)
        self.assertIn(new_key, box.find_element("css selector", ".alert__details").text)
        # Not a link that failed: no later sync goes on by itself, and the page does not say one will.
        self.assertNotIn("lần đồng bộ sau", box.text)
        self.assertIn("vẫn được giữ trên máy này", box.text)

        # The English switch: the same refusal in English first.
        web.find("#lang-switch").click()
        web.wait(lambda d: d.find_element("css selector", "#sync-result .alert__title").get_attribute("lang") == "en",
                 message="the refusal was not said again in English")
        title = web.find("#sync-result .alert__title")
        self.shot(web, "refused-en")
        self.assertIn(f"The certificate of the server {address} has changed", title.text)
        self.assertIn(f"run `fieldcheck login --server {address} --user NAME` again", title.text)
        self.assertIn(new_key, web.find("#sync-result .alert__details").text)

        # Nothing reached the restarted server: no request in its log, the inspection as it was
        # before, and the laptop still holds everything to send.
        self.assertNotIn("/v1/", self.server.log_text())
        self.assertEqual(self.server_inspections().get(record), before)
        self.assertEqual(self.pending_changes(web, ui), pending)
