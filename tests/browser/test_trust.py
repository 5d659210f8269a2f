"""The trust rules of `fieldcheck ui` (client/app/API.md, "Trust"), on the real program: the
one-time key, the session cookie, Host and Origin checks, the security headers; then in
Chromium: the cookie out of scripts' reach, and the page asking nothing of any other origin."""
import re

import harness
from browser_case import BrowserTestCase

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
       "media-src 'self' blob: mediastream:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")


def directives(policy):
    """A Content-Security-Policy as {directive: [sources]}."""
    out = {}
    for part in (policy or "").split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = words[1:]
    return out


def csp_faults(policy):
    """How `policy` falls short of the contract's (API.md): each of its directives must be there
    with exactly its sources; a directive the contract does not name may only narrow ('self' or
    'none'), never allow inline code, eval or another origin."""
    wanted, got = directives(CSP), directives(policy)
    faults = [f"{name}: {got.get(name)} instead of {sources}" for name, sources in wanted.items()
              if got.get(name) != sources]
    faults += [f"{name} allows {sources}" for name, sources in got.items()
               if name not in wanted and not set(sources) <= {"'self'", "'none'"}]
    return faults


class TrustTest(BrowserTestCase):
    """Plain HTTP to the app, below what a browser would let a page do."""

    def setUp(self):
        self.laptop = self.offline_laptop()
        self.ui = self.app(self.laptop)

    def open_path(self):
        return "/open?key=" + self.ui.key

    def session(self):
        return harness.open_session(self.ui)

    def get(self, target, cookie=None, **headers):
        if cookie:
            headers["Cookie"] = cookie
        return harness.http_request(self.ui.port, "GET", target, headers=headers)

    def test_key_once(self):
        """trust: the one-time key opens one session with an HttpOnly SameSite=Strict cookie and never a second"""
        wrong = self.get("/open?key=" + ("0" * len(self.ui.key) if self.ui.key != "0" * len(self.ui.key) else "1"))
        self.assertNotEqual(wrong.status, 303, "a wrong key opened a session")
        self.assertIsNone(wrong.header("set-cookie"))

        first = self.get(self.open_path())
        self.assertEqual(first.status, 303)
        self.assertIn(first.header("location"), ("/", f"{self.ui.origin}/"))
        cookie = first.header("set-cookie")
        self.assertIsNotNone(cookie)
        attributes = [a.strip().lower() for a in cookie.split(";")]
        self.assertTrue(attributes[0].startswith("fc_session="), cookie)
        self.assertGreater(len(attributes[0]), len("fc_session=") + 16, "a session id that short can be guessed")
        self.assertIn("httponly", attributes)
        self.assertIn("samesite=strict", attributes)
        self.assertIn("path=/", attributes)
        session = cookie.split(";", 1)[0]
        self.assertEqual(self.get("/api/session", session).status, 200)

        again = self.get(self.open_path())
        self.assertNotEqual(again.status, 303, "the key worked twice")
        self.assertIn(again.status, (401, 403))
        self.assertIsNone(again.header("set-cookie"))
        # The session the key opened goes on working.
        self.assertEqual(self.get("/api/session", session).status, 200)

    def test_no_cookie(self):
        """trust: a request without the session cookie gets 401 and a page saying to run fieldcheck ui again"""
        for target in ("/", "/api/session", "/api/today", "/api/establishments?q=a", "/index.html"):
            with self.subTest(target=target):
                reply = self.get(target)
                self.assertEqual(reply.status, 401, target)
                self.assertNotIn(b"fc_session", reply.body)
        page = self.get("/")
        self.assertIn("text/html", page.header("content-type") or "")
        self.assertIn(b"fieldcheck ui", page.body)
        self.assertEqual(self.get("/api/session", "fc_session=" + "a" * 64).status, 401, "a made-up cookie was let in")
        reply = harness.http_request(self.ui.port, "POST", "/api/inspections",
                                     headers={"Origin": self.ui.origin, "Content-Type": "application/json"},
                                     body='{"establishment": "CS-01"}')
        self.assertEqual(reply.status, 401)

    def test_wrong_host(self):
        """trust: a request whose Host is not the app's own is refused, even with the session cookie"""
        session = self.session()
        port = self.ui.port
        self.assertEqual(self.get("/api/session", session).status, 200)
        for host in (f"evil.example:{port}", f"127.0.0.1:{port + 1 if port < 65535 else port - 1}", "127.0.0.1",
                     f"localhost.evil.example:{port}", f"127.0.0.2:{port}", f"[::1]:{port}", ""):
            with self.subTest(host=host):
                reply = harness.http_request(port, "GET", "/api/session", headers={"Cookie": session}, host=host)
                self.assertGreaterEqual(reply.status, 400, f"Host {host!r} was served")
                self.assertLess(reply.status, 500)
                self.assertNotIn(b'"user"', reply.body)
        # A wrong Host does not get a key spent either way: the rule comes before the key.
        fresh = self.offline_laptop("hoa")
        other = self.app(fresh)
        reply = harness.http_request(other.port, "GET", f"/open?key={other.key}", host=f"evil.example:{other.port}")
        self.assertGreaterEqual(reply.status, 400)
        self.assertIsNone(reply.header("set-cookie"))
        # The names the contract allows.
        self.assertEqual(harness.http_request(port, "GET", "/api/session", headers={"Cookie": session},
                                              host=f"localhost:{port}").status, 200)

    def test_foreign_origin(self):
        """trust: a request from a foreign Origin is refused with 403, and a POST needs the app's Origin and JSON"""
        session = self.session()
        port = self.ui.port
        foreign = ("http://evil.example", f"http://127.0.0.1:{port + 1 if port < 65535 else port - 1}",
                   f"https://127.0.0.1:{port}", "null", f"http://127.0.0.1:{port}.evil.example")
        for origin in foreign:
            with self.subTest(origin=origin, method="GET"):
                reply = self.get("/api/session", session, Origin=origin)
                self.assertEqual(reply.status, 403)
            with self.subTest(origin=origin, method="POST"):
                reply = harness.http_request(port, "POST", "/api/inspections",
                                             headers={"Cookie": session, "Origin": origin,
                                                      "Content-Type": "application/json"},
                                             body='{"establishment": "CS-01"}')
                self.assertEqual(reply.status, 403)
        # A POST without Origin, or with a body a form could send across sites, does nothing.
        before = self.get("/api/inspections", session).json()["items"]
        for headers in ({"Cookie": session, "Content-Type": "application/json"},
                        {"Cookie": session, "Origin": self.ui.origin, "Content-Type": "text/plain"},
                        {"Cookie": session, "Origin": self.ui.origin,
                         "Content-Type": "application/x-www-form-urlencoded"}):
            with self.subTest(headers=headers):
                reply = harness.http_request(port, "POST", "/api/inspections", headers=headers,
                                             body='{"establishment": "CS-01"}')
                self.assertGreaterEqual(reply.status, 400)
                self.assertLess(reply.status, 500)
        self.assertEqual(self.get("/api/inspections", session).json()["items"], before, "a refused POST made a record")
        # The app's own Origin, under both names, is served.
        for origin in (self.ui.origin, f"http://localhost:{port}"):
            with self.subTest(origin=origin, allowed=True):
                self.assertEqual(self.get("/api/session", session, Origin=origin).status, 200)
        made = harness.http_request(port, "POST", "/api/inspections",
                                    headers={"Cookie": session, "Origin": self.ui.origin,
                                             "Content-Type": "application/json"},
                                    body='{"establishment": "CS-01"}')
        self.assertEqual(made.status, 201, made.body)

    def test_headers(self):
        """trust: every answer carries the Content-Security-Policy, nosniff, no-referrer and no-store headers"""
        session = self.session()
        page = self.get("/", session)
        self.assertEqual(page.status, 200)
        assets = sorted(set(re.findall(rb'/static/[A-Za-z0-9_.-]+', page.body)))
        self.assertTrue(assets, "the page names no asset under /static/")
        answers = {"/": page, "/api/session": self.get("/api/session", session),
                   "no cookie": self.get("/api/session"),
                   "foreign origin": self.get("/api/session", session, Origin="http://evil.example"),
                   "not found": self.get("/api/inspections/NO-SUCH-0000", session)}
        for asset in assets:
            answers[asset.decode()] = self.get(asset.decode(), session, **{"Accept-Encoding": "gzip"})
        for name, reply in answers.items():
            with self.subTest(answer=name):
                self.assertEqual(csp_faults(reply.header("content-security-policy")), [])
                self.assertEqual(reply.header("x-content-type-options"), "nosniff")
                self.assertEqual(reply.header("referrer-policy"), "no-referrer")
        for name in ("/", "/api/session", "no cookie"):
            with self.subTest(cache=name):
                self.assertIn("no-store", answers[name].header("cache-control") or "")
        for asset in assets:
            reply = answers[asset.decode()]
            with self.subTest(asset=asset):
                self.assertEqual(reply.status, 200)
                if re.search(rb"\.[0-9a-f]{8,}\.[a-z]+$", asset):
                    self.assertIn("immutable", reply.header("cache-control") or "")
                    self.assertEqual(reply.header("content-encoding"), "gzip")

    def test_api_json_content_type(self):
        """trust: the API answers JSON as application/json, so no answer is read as a page"""
        session = self.session()
        for target in ("/api/session", "/api/today", "/api/places", "/api/establishments?q=hoang"):
            with self.subTest(target=target):
                reply = self.get(target, session)
                self.assertEqual(reply.status, 200)
                self.assertTrue((reply.header("content-type") or "").startswith("application/json"))
                reply.json()


class TrustInBrowserTest(BrowserTestCase):
    """The same rules as Chromium meets them."""

    def test_cookie_out_of_scripts_reach(self):
        """trust: in Chromium the session cookie is HttpOnly and the used address opens nothing a second time"""
        laptop = self.offline_laptop()
        ui = self.app(laptop)
        browser = self.browser("first", check_origin=ui.origin)
        self.open_app(browser, ui)
        self.shot(browser, "today")
        self.assertNotIn("fc_session", browser.script("return document.cookie"))
        self.assertTrue(any(c["name"] == "fc_session" and c["httpOnly"] and c.get("sameSite") == "Strict"
                            for c in browser.driver.get_cookies()))
        # The same address in another browser (someone who saw it over a shoulder) is refused.
        second = self.browser("second", check_origin=ui.origin)
        second.allow_error(r"status of 40[13]")
        second.get(ui.url)
        second.wait(lambda d: d.find_elements("css selector", "body"))
        self.assertFalse(second.find_all("#nav-today"), "a second browser got in with the used key")
        self.assertIn("fieldcheck ui", second.find("body").text)
        self.shot(second, "key-used")

    def test_nothing_outside_origin(self):
        """trust: the page requests nothing outside its own origin on any screen"""
        laptop = self.offline_laptop()
        ui = self.app(laptop)
        browser = self.browser(check_origin=ui.origin)
        self.open_app(browser, ui)
        for route, ready in (("#/today", "#nav-today"), ("#/establishments", "#search"),
                             ("#/records", "#nav-records"), ("#/sync", "#sync-now")):
            self.go(browser, route, ready)
            browser.wait(lambda d: d.execute_script("return document.readyState") == "complete")
            self.shot(browser, route.strip("#/").replace("/", "-"))
        self.assertEqual(browser.foreign_requests(ui.origin), [])
        self.assertTrue(any(r["url"].startswith(ui.origin + "/static/") for r in browser.requests),
                        "the page loaded no asset at all: the check saw nothing")

    def test_other_site_in_same_browser(self):
        """trust: a page of another origin open in the same Chromium reads nothing from the app and changes nothing"""
        laptop = self.offline_laptop()
        ui = self.app(laptop)
        browser = self.browser(check_origin=None)
        self.open_app(browser, ui)
        before = browser.api(ui, "GET", "/api/inspections").json()["items"]
        # Another site on the same machine (another port: the same site for SameSite, so the
        # browser sends the cookie; the Origin check is what stops it), with a script that tries
        # what a page can: read the session, start an inspection with a body no preflight checks,
        # and post a form.
        site = OtherSite(ui.origin)
        self.addCleanup(site.close)
        # What the browser logs of the refusals: the other site's blocked requests and the
        # app's refusal page (whose icon Chromium asks for and does not get).
        browser.allow_error(re.escape(site.origin))
        browser.allow_error(re.escape(ui.origin) + r"/(api/session|api/inspections|favicon\.ico) - Failed to load resource")
        browser.get(site.origin + "/")
        results = browser.wait(lambda d: d.execute_script("return window.__fcTried"), message="the other site's script did not end")
        self.shot(browser, "other-site")
        self.assertEqual(results["read"], "refused", "the other site read the app's session")
        self.assertEqual(browser.api(ui, "GET", "/api/inspections").json()["items"], before,
                         "a page of another site made an inspection")
        # The form's post landed on the app's refusal, not on a new record.
        browser.get(site.origin + "/form")
        browser.wait(lambda d: d.current_url.startswith(ui.origin))
        browser.wait(lambda d: d.execute_script("return document.readyState") == "complete")
        self.assertFalse(browser.find_all("#nav-today"), "the form's post opened the app")
        self.shot(browser, "other-site-form")
        self.assertEqual(browser.api(ui, "GET", "/api/inspections").json()["items"], before,
                         "a form of another site made an inspection")


class OtherSite:
    """A page served on 127.0.0.1 (another port), no CSP, whose script tries the app's API at
    `app_origin` and leaves what it got in window.__fcTried; /form posts a form to the app."""

    def __init__(self, app_origin):
        page = f"""<!DOCTYPE html><title>other site</title><script>
(async () => {{
  const tried = {{}};
  try {{
    const r = await fetch('{app_origin}/api/session', {{credentials: 'include'}});
    tried.read = r.ok ? await r.text() : 'refused';
  }} catch (e) {{ tried.read = 'refused'; }}
  try {{
    await fetch('{app_origin}/api/inspections', {{method: 'POST', mode: 'no-cors', credentials: 'include',
      headers: {{'Content-Type': 'text/plain'}}, body: JSON.stringify({{establishment: 'CS-01'}})}});
  }} catch (e) {{ }}
  window.__fcTried = tried;
}})();
</script>"""
        form = f"""<!DOCTYPE html><title>other site form</title>
<form id=f method=post action="{app_origin}/api/inspections" enctype="text/plain">
<input name='{{"establishment": "CS-01", "x": "' value='"}}'></form>
<script>document.getElementById('f').submit();</script>"""
        self.site = harness.PlainSite({"/": page, "/form": form})
        self.origin = self.site.origin

    def close(self):
        self.site.close()
