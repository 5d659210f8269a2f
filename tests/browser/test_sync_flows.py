"""The app against a real fieldcheck-server on 127.0.0.1: an inspector finalizes and syncs with
the progress drawn as it goes; a supervisor returns an inspection and resolves a conflict in the
browser, and the inspector's app shows both after its next sync."""
import os
import sqlite3
import urllib.parse

import harness
from browser_case import BrowserTestCase

KARAOKE = "CS-39"  # in Bảo Lạc
BAR = "CS-15"      # in Bảo Lạc


def complete_draft(laptop, establishment):
    """A new inspection of `establishment` with every answer the checklist needs, still a draft,
    made with the command line (as tests/e2e/test_sync.cpp's completeDraft does); its number."""
    kind = laptop.run_json("establishment", "show", establishment)["fields"]["kind"]
    made = laptop.run_json("inspect", "new", "--establishment", establishment)
    ref = made.get("number") or made["id"]
    answers = ["visit_time=2019-05-03 09:00", "team_members=Đoàn 1", "business_registration=c",
               "security_certificate=c", "worker_register=c", "workers_total=4", "workers_women=2",
               "workers_under_18=0", "prostitution_signs=k", "prevention_material=1", "workers_informed=c",
               "violations=none", "actions=none", "conclusion=compliant", "location=22.6, 105.9"]
    if kind == "karaoke":
        answers += ["karaoke_doors_transparent=c", "karaoke_no_inner_locks=c", "karaoke_smallest_room_m2=22"]
    if kind == "lodging":
        answers += ["guest_register=c"]
    laptop.run("inspect", "set", ref, *answers)
    return ref


class BaoLacTestCase(BrowserTestCase):
    """A province served on 127.0.0.1 with Bảo Lạc's inspectors Lan and Hoa and their supervisor
    Giám, each with a laptop home in the province's folder."""

    def setUp(self):
        self.prov = self.province()
        self.prov.add_user("lan", "--role", "inspector", "--district", "bao-lac")
        self.prov.add_user("hoa", "--role", "inspector", "--district", "bao-lac")
        self.prov.add_user("giam", "--role", "supervisor", "--district", "bao-lac")
        self.server = self.prov.serve()
        self.lan, self.hoa, self.giam = (harness.Laptop(self.prov.dir / n, n) for n in ("lan", "hoa", "giam"))

    def record_of(self, web):
        return urllib.parse.unquote(web.driver.current_url.rsplit("/", 1)[1])

    def sync_in_browser(self, web):
        """Presses "Sync now" on the sync screen and waits for its result; returns the result box."""
        self.go(web, "#/sync", "#sync-now")
        web.wait(lambda d: d.find_element("id", "sync-now").is_enabled())
        web.find("#sync-now").click()
        web.wait(lambda d: "sync-result--ok" in (d.find_element("id", "sync-result").get_attribute("class") or "")
                 or "sync-result--failed" in (d.find_element("id", "sync-result").get_attribute("class") or ""),
                 timeout=120, message="the sync did not end")
        box = web.find("#sync-result")
        self.assertIn("sync-result--ok", box.get_attribute("class"), box.text)
        return box


class SyncProgressTest(BaoLacTestCase):

    def test_finalize_and_sync(self):
        """sync: an inspection finalized in the browser is sent to a real server with the progress bar moving"""
        # A link of 256 KB/s between the laptop and the server: the photo takes seconds to send.
        link = harness.SlowLink(self.server.port, 256 * 1024)
        self.addCleanup(link.close)
        self.lan.run("login", "--server", link.url, "--user", "lan", input_text=harness.password_of("lan") + "\n")
        self.lan.sync()
        record = complete_draft(self.lan, KARAOKE)

        ui = self.app(self.lan)
        web = self.browser(check_origin=ui.origin)
        self.open_app(web, ui)
        self.go(web, f"#/record/{record}", "#q-photo_premises")
        # A photo of about 1.9 megapixels of noise (not scaled down, hard to compress): about a
        # megabyte for the link to carry.
        data_url = web.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "const c = document.createElement('canvas'); c.width = 1600; c.height = 1200;"
            "const g = c.getContext('2d'); const img = g.createImageData(1600, 1200);"
            "let x = 12345; for (let i = 0; i < img.data.length; i++) {"
            "  x = (x * 1103515245 + 12345) >>> 0; img.data[i] = (i % 4 === 3) ? 255 : x >>> 24; }"
            "g.putImageData(img, 0, 0);"
            "c.toBlob(b => { const r = new FileReader(); r.onload = () => done(r.result); r.readAsDataURL(b); },"
            "  'image/jpeg', 0.92);")
        photo = harness.data_url_bytes(data_url)
        path = os.path.join(self.prov.dir.path, "premises.jpg")
        with open(path, "wb") as f:
            f.write(photo)
        web.find("#input-photo_premises").send_keys(path)
        def stored_photo(_driver):
            return next((q["photo"] for s in self.form(web, ui, record)["sections"] for q in s["questions"]
                         if q["id"] == "photo_premises" and q.get("photo")), None)
        photo_sha = web.wait(stored_photo, timeout=60, message="the photo was not stored")["sha256"]
        web.find("#finalize").click()
        web.wait(lambda d: self.form(web, ui, record)["standing"]["code"] == "finalized",
                 message="the inspection was not finalized")
        self.shot(web, "finalized")

        self.go(web, "#/sync", "#sync-now")
        self.shot(web, "sync-before")
        # Samples both progress bars every 20 ms for as long as the test runs (the page redraws
        # them at each poll, so they are looked up by id each time); the sync runs from the bar's
        # appearance to its result's.
        web.script(
            "window.__fcProgress = [];"
            "window.__fcSampler = setInterval(() => {"
            "  const bar = document.getElementById('sync-progress');"
            "  const photos = document.getElementById('sync-photo-progress');"
            "  const result = document.getElementById('sync-result');"
            "  const ended = !!result && /sync-result--(ok|failed)/.test(result.className);"
            "  window.__fcProgress.push({running: !!bar && !ended,"
            "    value: bar && bar.hasAttribute('value') ? bar.value : null, max: bar ? bar.max : null,"
            "    photos: photos ? photos.value : null, photos_max: photos ? photos.max : null});"
            "}, 20);")
        web.find("#sync-now").click()
        web.visible("#sync-progress")
        web.wait(lambda d: d.execute_script(
            "return window.__fcProgress.some(s => s.running && (s.photos > 0 || s.value > 0))"),
            timeout=60, message="no progress was drawn while the sync ran")
        self.shot(web, "sync-running")
        web.wait(lambda d: "sync-result--ok" in (d.find_element("id", "sync-result").get_attribute("class") or "")
                 or "sync-result--failed" in (d.find_element("id", "sync-result").get_attribute("class") or ""),
                 timeout=120, message="the sync did not end")
        samples = web.script("clearInterval(window.__fcSampler); return window.__fcProgress")
        self.shot(web, "sync-done")
        self.assertIn("sync-result--ok", web.find("#sync-result").get_attribute("class"), web.find("#sync-result").text)

        running = [s for s in samples if s["running"] and s["max"] is not None]
        # "Moving": while it ran, the bars showed at least two different amounts, never going back.
        amounts = [(s["value"] or 0, s["photos"] or 0) for s in running]
        distinct = sorted(set(amounts))
        self.assertGreaterEqual(len(distinct), 2, f"the progress did not move while the sync ran: {distinct}")
        for before, after in zip(amounts, amounts[1:]):
            self.assertLessEqual(before[0], after[0], "the changes bar went back")
            self.assertLessEqual(before[1], after[1], "the photo bar went back")
        final = web.script("const b = document.getElementById('sync-progress'); return [b.value, b.max]")
        self.assertEqual(final[0], final[1], "the bar is not full once the sync is done")

        today = web.api(ui, "GET", "/api/today").json()["status"]
        self.assertEqual(today["pending_changes"], 0)
        self.assertEqual(today["pending_uploads"], 0)
        # The server holds it finalized, naming its photo.
        with sqlite3.connect(f"file:{self.prov.data}/provincial.db?mode=ro", uri=True, timeout=30) as db:
            heads = db.execute("SELECT json_extract(fields, '$._status'), json_extract(fields, '$.photo_premises.sha256')"
                               " FROM heads WHERE kind = 'inspection'").fetchall()
        self.assertEqual(heads, [("finalized", photo_sha)])


class ReviewAndConflictTest(BaoLacTestCase):

    def test_return_and_resolve(self):
        """sync: a supervisor returns an inspection and resolves a conflict in the browser, and the inspector sees both after a sync"""
        for laptop in (self.lan, self.hoa, self.giam):
            laptop.login(self.server)
            laptop.sync()
        record = complete_draft(self.lan, KARAOKE)
        self.lan.run("inspect", "finalize", record)
        # Offline, Lan first and Hoa later change the same number of workers: a conflict.
        self.lan.run("establishment", "set", BAR, "workers=14")
        self.hoa.run("establishment", "set", BAR, "workers=9")
        for laptop in (self.lan, self.hoa, self.lan, self.hoa, self.giam):
            laptop.sync()

        # The supervisor, in the browser.
        giam_ui = self.app(self.giam)
        giam = self.browser("giam", check_origin=giam_ui.origin)
        self.open_app(giam, giam_ui)
        giam.visible("#nav-review").click()
        self.shot(giam, "review-queue")
        giam.visible(f'a[href="#/record/{record}"]').click()
        comment = giam.visible("#review-comment")
        self.shot(giam, "review")
        comment.send_keys("Thiếu ảnh cơ sở; hãy chụp bổ sung.")
        giam.find("#review-return").click()
        giam.wait(lambda d: self.form(giam, giam_ui, record)["standing"]["code"] == "returned",
                  message="the inspection was not returned")
        self.shot(giam, "returned")

        giam.find("#nav-conflicts").click()
        giam.visible('#conflicts a[href^="#/conflict/"]').click()
        number = urllib.parse.unquote(giam.driver.current_url.rsplit("/", 1)[1])
        giam.visible("#set-workers")
        for take in ("applied", "other", "set"):
            self.assertTrue(giam.find_all(f'input[type=radio][name="take-workers"][value="{take}"]'), take)
        giam.find("#set-workers").send_keys("11")
        self.assertTrue(giam.find('input[name="take-workers"][value="set"]').is_selected())
        self.shot(giam, "conflict")
        giam.find("#resolve").click()
        giam.wait(lambda d: giam.api(giam_ui, "GET", f"/api/conflicts/{number}").json()["open"] is False,
                  message="the conflict was not resolved")
        giam.visible("#resolve-result")
        self.shot(giam, "conflict-resolved")
        self.sync_in_browser(giam)
        self.shot(giam, "sync")

        # The inspector's app, after its sync.
        lan_ui = self.app(self.lan)
        lan = self.browser("lan", check_origin=lan_ui.origin)
        self.open_app(lan, lan_ui)
        self.sync_in_browser(lan)
        self.shot(lan, "sync")
        self.go(lan, "#/today", "#nav-today")
        returned = lan.visible(f'.section--returned a[href="#/record/{record}"]')
        self.assertIn("Thiếu ảnh cơ sở", lan.find(".section--returned").text)
        self.shot(lan, "today")
        returned.click()
        lan.visible(".notice--returned")
        self.assertIn("Thiếu ảnh cơ sở; hãy chụp bổ sung.", lan.find(".notice--returned").text)
        lan.visible("#finalize")  # a draft again: it can be corrected and finalized
        self.shot(lan, "returned-record")
        self.go(lan, f"#/establishment/{BAR}", "#start-inspection")
        fields = {f.get("id") or f.get("field") or f.get("name"): f
                  for f in lan.api(lan_ui, "GET", f"/api/establishments/{BAR}").json()["fields"]}
        self.assertEqual(fields["workers"]["input"], "11")
        lan.find("details.correct summary").click()
        self.assertEqual(lan.visible("#fix-workers").get_attribute("value"), "11")
        self.shot(lan, "establishment")
        waiting = lan.api(lan_ui, "GET", "/api/today").json()["status"]["waiting"]
        self.assertEqual(waiting, [], "Lan's edit still waits for a decision that was made")
