"""The console's trust rules (sync-server/console/API.md, "Sessions and trust" and "Scope") over
plain HTTP to the real server, below what a browser lets a page do: who sees which district,
who may review, the CSRF header and the Origin, sessions, logout and the one-time code."""
import os
import re
import urllib.parse

import harness
from browser_case import ConsoleTestCase
from test_sync_flows import complete_draft

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
KARAOKE = "CS-39"      # in Bảo Lạc
HA_QUANG_INN = "CS-17"  # in Hà Quảng


def quoted(ref):
    return urllib.parse.quote(ref, safe="")


class ConsoleScopeTest(ConsoleTestCase):
    """A finalized inspection in Bảo Lạc (Lan's) and one in Hà Quảng (Mai's), both on the server."""
    USERS = ("lan", "mai", "giam", "tinh")

    def setUp(self):
        super().setUp()
        self.lan, self.mai = self.laptop("lan"), self.laptop("mai")
        self.ours = complete_draft(self.lan, KARAOKE)
        self.theirs = complete_draft(self.mai, HA_QUANG_INN)
        self.their_photo = self.attach_photo(self.mai, self.theirs)
        for laptop, record in ((self.lan, self.ours), (self.mai, self.theirs)):
            laptop.run("inspect", "finalize", record)
            laptop.sync()
        self.province_wide = self.console_api("tinh")
        self.theirs_id = self.province_wide.json("GET", f"/api/inspections/{quoted(self.theirs)}")["id"]

    def state_of(self, record):
        return self.province_wide.json("GET", f"/api/inspections/{quoted(record)}")["state"]["code"]

    def test_supervisor_of_another_district(self):
        """console: a supervisor of one district gets 404 for another district's record by number, by id and by filter"""
        giam = self.console_api("giam")
        self.assertEqual(giam.json("GET", f"/api/inspections/{quoted(self.ours)}")["number"], self.ours)
        # By number or id: the same answer as for a record that does not exist (naming what was asked).
        for ref, unknown_ref in ((self.theirs, "HQ-9-9999"), (self.theirs_id, "0" * len(self.theirs_id))):
            unknown = giam.get(f"/api/inspections/{quoted(unknown_ref)}")
            reply = giam.get(f"/api/inspections/{quoted(ref)}")
            self.assertEqual((reply.status, unknown.status), (404, 404), ref)
            self.assertEqual(reply.body.replace(ref.encode(), b"REF"), unknown.body.replace(unknown_ref.encode(), b"REF"))
        unknown = giam.get("/api/inspections/HQ-9-9999")
        name = self.mai.run_json("establishment", "show", HA_QUANG_INN)["fields"]["name"]
        for target in ("/api/inspections?district=ha-quang", "/api/dashboard?district=ha-quang",
                       f"/api/establishments/{HA_QUANG_INN}", "/api/establishments?district=ha-quang"):
            reply = giam.get(target)
            self.assertEqual(reply.status, 404, target)
            self.assertEqual(harness.error_code(reply), harness.error_code(unknown), target)
            self.assertNotIn(name.encode(), reply.body, target)
        # Its photo: the province's officer gets it, the other district's supervisor a 404.
        photo = self.province_wide.get(f"/api/photos/{self.their_photo}")
        self.assertEqual((photo.status, photo.header("content-type")), (200, "image/png"))
        self.assertEqual(giam.get(f"/api/photos/{self.their_photo}").status, 404)
        listed = giam.json("GET", "/api/inspections?per_page=200")
        self.assertEqual([r["number"] for r in listed["rows"]], [self.ours])
        self.assertEqual({r["district"]["code"] for r in listed["rows"]}, {"bao-lac"})
        # A review of the other district's record by its id: the same 404, and nothing changes.
        refused = giam.call("POST", f"/api/inspections/{self.theirs_id}/review", {"approve": True})
        self.assertEqual(refused.status, 404)
        batch = giam.call("POST", "/api/review", {"ids": [self.theirs_id], "approve": True})
        if batch.status == 200:
            self.assertEqual(batch.json()["approved"], [])
        else:
            self.assertEqual(batch.status, 404)
        self.assertEqual(self.state_of(self.theirs), "submitted")
        # Its own district's record it may review.
        self.assertEqual(giam.json("POST", f"/api/inspections/{quoted(self.ours)}/review",
                                   {"approve": True})["state"]["code"], "approved")

    def test_inspector_reads_own_district_only(self):
        """console: an inspector sees only their own district's records and cannot review one"""
        lan = self.console_api("lan")
        self.assertFalse(lan.me["may"]["review"])
        self.assertEqual(lan.me["district"], "bao-lac")
        record = lan.json("GET", f"/api/inspections/{quoted(self.ours)}")
        self.assertFalse(record["may"]["review"])
        listed = lan.json("GET", "/api/inspections?per_page=200")
        self.assertEqual({r["district"]["code"] for r in listed["rows"]}, {"bao-lac"})
        self.assertNotIn(self.theirs, [r["number"] for r in listed["rows"]])
        self.assertEqual(lan.get(f"/api/inspections/{quoted(self.theirs)}").status, 404)
        self.assertEqual([d["code"] for d in lan.json("GET", "/api/places")["districts"]], ["bao-lac"])
        for body in ({"approve": True}, {"approve": False, "comment": "Thiếu ảnh."}):
            reply = lan.call("POST", f"/api/inspections/{quoted(self.ours)}/review", body)
            self.assertEqual(reply.status, 403, body)
        self.assertEqual(lan.call("POST", "/api/review", {"ids": [record["id"]], "approve": True}).status, 403)
        self.assertEqual(self.state_of(self.ours), "submitted")


class ConsoleCsrfTest(ConsoleTestCase):
    USERS = ("lan", "giam", "quan")

    def setUp(self):
        super().setUp()
        self.lan = self.laptop("lan")
        self.record = complete_draft(self.lan, KARAOKE)
        self.lan.run("inspect", "finalize", self.record)
        self.lan.sync()

    def test_csrf_and_origin(self):
        """console: a POST without the CSRF header or from another origin is refused and nothing changes"""
        giam, quan = self.console_api("giam"), self.console_api("quan")
        review = f"/api/inspections/{quoted(self.record)}/review"
        attempts = {
            "no CSRF header": dict(csrf=False),
            "another session's CSRF token": dict(csrf=quan.me["csrf"]),
            "another origin": dict(origin="http://evil.example"),
            "another port of this host": dict(origin=f"http://127.0.0.1:{harness.free_port()}"),
            "an opaque origin": dict(origin="null"),
        }
        for what, how in attempts.items():
            reply = giam.call("POST", review, {"approve": False, "comment": "Trả lại từ trang khác."}, **how)
            self.assertEqual(reply.status, 403, what)
            self.assertIn(harness.error_code(reply), ("csrf", "origin"), what)
        self.assertEqual(harness.error_code(giam.call("POST", review, {"approve": True}, csrf=False)), "csrf")
        self.assertEqual(harness.error_code(giam.call("POST", review, {"approve": True},
                                                      origin="http://evil.example")), "origin")
        # A form another site posts (no JSON, no header) changes nothing either.
        form = giam.call("POST", review, b"approve=true", csrf=False, origin="http://evil.example",
                         content_type="application/x-www-form-urlencoded")
        self.assertEqual(form.status, 403)
        record = giam.json("GET", f"/api/inspections/{quoted(self.record)}")
        self.assertEqual(record["state"]["code"], "submitted")
        self.assertIsNone(record["review"])

        # The administrator's writes: no user added, no password reset, no laptop revoked.
        people = quan.json("GET", "/api/people")["users"]
        device = self.prov.server_json("device", "list", "--user", "lan")[0]["id"]
        for target, body in (("/api/people", {"name": "ke-gian", "role": "admin", "district": None}),
                             ("/api/people/lan/reset", {}), ("/api/people/lan/revoke", {}),
                             (f"/api/devices/{device}/revoke", {})):
            self.assertEqual(quan.call("POST", target, body, csrf=False).status, 403, target)
            self.assertEqual(quan.call("POST", target, body, origin="http://evil.example").status, 403, target)
        self.assertEqual(quan.json("GET", "/api/people")["users"], people)
        self.assertFalse(self.prov.server_json("device", "list", "--user", "lan")[0]["revoked"])
        self.lan.sync()  # the laptop still syncs, Lan's password still opens a session
        self.console_api("lan")

        # A login from another origin, or not as JSON, opens no session.
        for headers, body in (({"Origin": "http://evil.example", "Content-Type": "application/json"},
                               '{"user": "giam", "password": "%s"}' % harness.password_of("giam")),
                              ({"Origin": self.server.url, "Content-Type": "text/plain"},
                               '{"user": "giam", "password": "%s"}' % harness.password_of("giam")),
                              ({"Origin": self.server.url, "Content-Type": "application/x-www-form-urlencoded"},
                               f"user=giam&password={harness.password_of('giam')}")):
            reply = harness.http_request(self.server.port, "POST", "/api/session", headers=headers, body=body)
            self.assertIn(reply.status, (403, 415), headers)
            self.assertIsNone(reply.header("set-cookie"), headers)

        # The same review with the header and the server's origin is taken: the refusals were the headers'.
        approved = giam.json("POST", review, {"approve": True})
        self.assertEqual(approved["state"]["code"], "approved")


class ConsoleSessionApiTest(ConsoleTestCase):
    USERS = ("lan", "giam", "quan")

    def test_session_cookie_and_logout(self):
        """console: a session cookie is HttpOnly and SameSite=Strict, a wrong password opens none and logging out ends it"""
        wrong = harness.Console(self.server).login("giam", "not-the-password")
        self.assertEqual(wrong.status, 401)
        self.assertEqual(harness.error_code(wrong), "login_refused")
        self.assertIsNone(wrong.header("set-cookie"))
        self.assertEqual(harness.Console(self.server).login("nobody-here").status, 401)

        giam = harness.Console(self.server)
        reply = giam.login("giam")
        self.assertEqual(reply.status, 200)
        attributes = [a.strip().lower() for a in reply.header("set-cookie").split(";")]
        self.assertTrue(attributes[0].startswith("fc_console="), attributes)
        self.assertGreater(len(attributes[0]), len("fc_console=") + 20, "a session token that short can be guessed")
        for wanted in ("httponly", "samesite=strict", "path=/"):
            self.assertIn(wanted, attributes)
        self.assertNotIn("secure", attributes, "Secure on plain HTTP would lose the cookie")
        me = reply.json()
        self.assertEqual((me["user"], me["role"], me["district"]), ("giam", "supervisor", "bao-lac"))
        self.assertFalse(me["must_change_password"])
        self.assertGreater(len(me["csrf"]), 16)
        self.assertEqual(giam.json("GET", "/api/me")["user"], "giam")
        # The server keeps the token's hash, not the token.
        token = giam.cookie.split("=", 1)[1]
        for name in ("provincial.db", "provincial.db-wal"):
            if os.path.exists(f"{self.prov.data}/{name}"):
                with open(f"{self.prov.data}/{name}", "rb") as db:
                    self.assertNotIn(token.encode(), db.read(), name)

        # Each login is a session of its own: a new token, a new CSRF token.
        again = harness.Console(self.server)
        again.login("giam")
        self.assertNotEqual(again.cookie, giam.cookie)
        self.assertNotEqual(again.me["csrf"], me["csrf"])

        # Without a cookie, or with a made-up one: 401.
        self.assertEqual(harness.http_request(self.server.port, "GET", "/api/me").status, 401)
        forged = harness.http_request(self.server.port, "GET", "/api/me", headers={"Cookie": "fc_console=" + "A" * len(token)})
        self.assertEqual(forged.status, 401)

        # Logging out needs the CSRF header too, then ends the session for good.
        self.assertEqual(giam.call("DELETE", "/api/session", csrf=False).status, 403)
        self.assertEqual(giam.get("/api/me").status, 200)
        out = giam.call("DELETE", "/api/session")
        self.assertEqual(out.status, 204)
        gone = giam.get("/api/me")
        self.assertEqual(gone.status, 401)
        self.assertEqual(harness.error_code(gone), "session_expired")
        self.assertEqual(giam.get("/api/inspections").status, 401)

    def test_headers(self):
        """console: every answer carries the security headers, the page and the API no-store and the assets a year's cache"""
        giam = self.console_api("giam")
        page = giam.get("/inspections?state=submitted")
        assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.body.decode())
        self.assertTrue(any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets), assets)
        refused = harness.http_request(self.server.port, "GET", "/api/inspections")
        for target in ("/", "/inspections?state=submitted", "/api/me", "/api/inspections", "/api/nothing-here",
                       *assets):
            answer = giam.get(target)
            self.assertEqual(answer.status, 404 if target == "/api/nothing-here" else 200, target)
            self.assertEqual(answer.header("cache-control"),
                             "public, max-age=31536000, immutable" if target.startswith("/static/") else "no-store", target)
        for answer in (page, refused, *(giam.get(a) for a in assets)):
            self.assertEqual(answer.header("content-security-policy"), CSP)
            self.assertEqual(answer.header("x-content-type-options"), "nosniff")
            self.assertEqual(answer.header("referrer-policy"), "no-referrer")
            self.assertEqual(answer.header("x-frame-options"), "DENY")
        self.assertTrue(page.header("content-type").startswith("text/html"))
        self.assertTrue(giam.get("/api/me").header("content-type").startswith("application/json"))

    def test_sessions_end_with_password_or_revocation(self):
        """console: a password changed elsewhere or a revoked user ends their other sessions at once"""
        first, second = self.console_api("giam"), self.console_api("giam")
        self.assertEqual(second.call("POST", "/api/password", {"current": "wrong-password", "new": "mot-mat-khau-moi"}).status, 403)
        self.assertEqual(first.get("/api/me").status, 200)
        self.assertEqual(second.call("POST", "/api/password", {"current": harness.password_of("giam"),
                                                               "new": "ngắn"}).status, 422)
        self.assertEqual(second.call("POST", "/api/password", {"current": harness.password_of("giam"),
                                                               "new": "mot-mat-khau-moi"}).status, 204)
        ended = first.get("/api/me")
        self.assertEqual((ended.status, harness.error_code(ended)), (401, "session_expired"))
        self.assertEqual(second.get("/api/me").status, 200, "the session that changed the password stays")
        self.assertEqual(harness.Console(self.server).login("giam").status, 401)
        self.console_api("giam", "mot-mat-khau-moi")

        lan = self.console_api("lan")
        quan = self.console_api("quan")
        quan.json("POST", "/api/people/lan/revoke", {})
        ended = lan.get("/api/inspections")
        self.assertEqual((ended.status, harness.error_code(ended)), (401, "session_expired"))
        refused = harness.Console(self.server).login("lan")
        self.assertEqual(refused.status, 401, "a revoked user is refused as a wrong password is")

    def test_sessions_end_with_time(self):
        """console: a session ends after 30 minutes without a request and after 12 hours in all"""
        me = self.console_api("giam")
        self.assertEqual(me.me["idle_timeout_minutes"], 30)
        self.age_console_sessions("giam", idle_minutes=29)
        self.assertEqual(me.get("/api/me").status, 200, "a session ended before 30 idle minutes")
        # That request was its last: 31 minutes later, nothing more.
        self.age_console_sessions("giam", idle_minutes=31)
        ended = me.get("/api/inspections")
        self.assertEqual((ended.status, harness.error_code(ended)), (401, "session_expired"))
        self.assertEqual(me.get("/api/me").status, 401, "an ended session came back")

        busy = self.console_api("giam")
        self.age_console_sessions("giam", age_hours=11)
        self.assertEqual(busy.get("/api/me").status, 200, "a session ended before 12 hours")
        self.age_console_sessions("giam", age_hours=1)
        ended = busy.get("/api/me")
        self.assertEqual((ended.status, harness.error_code(ended)), (401, "session_expired"))

    def test_login_budget(self):
        """console: ten wrong passwords pause a user's logins from that address, in the console and on laptops"""
        for attempt in range(10):
            wrong = harness.Console(self.server).login("giam", f"wrong-password-{attempt}")
            self.assertEqual(wrong.status, 401, attempt)
        paused = harness.Console(self.server).login("giam")
        self.assertEqual((paused.status, harness.error_code(paused)), (429, "login_paused"))
        self.assertIsNone(paused.header("set-cookie"))
        self.assertRegex(paused.json()["error"]["vi"], r"\d+ phút")
        self.console_api("lan")  # another user from the same address goes on
        with self.subTest("the laptops' logins share the pause"):
            laptop = harness.Laptop(self.prov.dir / "giam", "giam")
            self.assertNotEqual(laptop.login(self.server, check=False).returncode, 0)

    def test_one_time_code(self):
        """console: a one-time code opens a session that must change the password first, and works once"""
        quan = self.console_api("quan")
        made = quan.json("POST", "/api/people", {"name": "thu", "role": "inspector", "district": "bao-lac"}, status=201)
        code = made["one_time_code"]
        self.assertGreaterEqual(len(code), 8)
        thu_laptop = harness.Laptop(self.prov.dir / "thu", "thu")
        refused = thu_laptop.login(self.server, password=code, check=False)
        self.assertNotEqual(refused.returncode, 0, "a laptop logged in with a one-time code")

        thu = self.console_api("thu", code)
        self.assertTrue(thu.me["must_change_password"])
        self.assertEqual(thu.json("GET", "/api/me")["user"], "thu")
        for target in ("/api/inspections", "/api/dashboard", "/api/places"):
            reply = thu.get(target)
            self.assertEqual((reply.status, harness.error_code(reply)), (403, "password_change_required"), target)
        self.assertEqual(thu.call("POST", "/api/password", {"current": code, "new": code}).status, 422)
        self.assertEqual(thu.call("POST", "/api/password", {"current": code, "new": "mat-khau-cua-thu"}).status, 204)
        self.assertEqual(thu.get("/api/inspections").status, 200)
        self.assertEqual(harness.Console(self.server).login("thu", code).status, 401, "the one-time code worked twice")
        self.assertFalse(self.console_api("thu", "mat-khau-cua-thu").me["must_change_password"])
        thu_laptop.login(self.server, password="mat-khau-cua-thu")

        # A reset: the old password no longer opens anything, the new code must be changed first.
        reset = quan.json("POST", "/api/people/thu/reset", {})["one_time_code"]
        self.assertNotEqual(reset, code)
        self.assertEqual(harness.Console(self.server).login("thu", "mat-khau-cua-thu").status, 401)
        self.assertTrue(self.console_api("thu", reset).me["must_change_password"])


class ConsoleOtherSiteTest(ConsoleTestCase):
    USERS = ("lan", "giam", "quan")

    def test_other_site_in_same_browser(self):
        """console: a page of another origin open in the same Chromium as a supervisor's session reads nothing and changes nothing"""
        lan = self.laptop("lan")
        record = complete_draft(lan, KARAOKE)
        lan.run("inspect", "finalize", record)
        lan.sync()
        target = f"{self.server.url}/api/inspections/{quoted(record)}"
        # Another port of 127.0.0.1 is the same site for SameSite: Chromium sends the session
        # cookie, and the Origin check and the CSRF header are what stop these.
        site = harness.PlainSite({
            "/": f"""<!DOCTYPE html><title>other site</title><script>
(async () => {{
  const tried = {{}};
  try {{
    const r = await fetch('{target}', {{credentials: 'include'}});
    tried.read = r.ok ? await r.text() : 'refused';
  }} catch (e) {{ tried.read = 'refused'; }}
  for (const [path, body] of [['{target}/review', {{approve: true}}],
                              ['{self.server.url}/api/people', {{name: 'ke-gian', role: 'admin'}}],
                              ['{self.server.url}/api/session', null]]) {{
    try {{
      await fetch(path, {{method: body ? 'POST' : 'DELETE', mode: 'no-cors', credentials: 'include',
        headers: {{'Content-Type': 'text/plain'}}, body: body ? JSON.stringify(body) : undefined}});
    }} catch (e) {{ }}
  }}
  window.__fcTried = tried;
}})();
</script>""",
            "/form": f"""<!DOCTYPE html><title>other site form</title>
<form id=f method=post action="{target}/review" enctype="text/plain">
<input name='{{"approve": true, "x": "' value='"}}'></form>
<script>document.getElementById('f').submit();</script>"""})
        self.addCleanup(site.close)

        web = self.console_browser()
        web.allow_error(re.escape(site.origin))
        web.allow_error(re.escape(self.server.url) + r"/(api/[^ ]*|favicon\.ico) - Failed to load resource")
        self.console_login(web, "giam", f"/inspections/{quoted(record)}", "inspection")
        web.get(site.origin + "/")
        tried = web.wait(lambda d: d.execute_script("return window.__fcTried"), message="the other site's script did not end")
        self.assertEqual(tried["read"], "refused", "the other site read a record")
        web.get(site.origin + "/form")
        web.wait(lambda d: d.current_url.startswith(self.server.url))
        web.wait(lambda d: d.execute_script("return document.readyState") == "complete")
        self.shot(web, "other-site-form")

        self.open_console(web, f"/inspections/{quoted(record)}", "inspection")  # still logged in
        web.visible('#inspection-state[data-state="submitted"]')
        giam = self.console_api("giam")
        self.assertIsNone(giam.json("GET", f"/api/inspections/{quoted(record)}")["review"])
        self.assertNotIn("ke-gian", [u["name"] for u in self.console_api("quan").json("GET", "/api/people")["users"]])
