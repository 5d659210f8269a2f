"""The base of every browser test: fixtures that start the real programs and Chromium and always
kill them, and the checks every test ends with (no error in the browser's console, no request
outside the app's origin), plus the page's moves the tests share (open the app, go to a route,
answer a question)."""
import unittest

import harness
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.keys import Keys


class BrowserTestCase(unittest.TestCase):
    """Fixtures are methods that start something and register its cleanup at once, so a failure
    anywhere still kills it. Cleanups run last-registered first: a browser's checks run before
    the browser closes, and the browser closes before the app it talks to."""

    maxDiff = None

    # -- fixtures

    def temp_dir(self):
        folder = harness.TempDir()
        self.addCleanup(folder.close)
        return folder

    def province(self, seed=None):
        """A provincial server's data folder from the seed (not serving yet: `serve()`)."""
        province = harness.Province(seed)
        self.addCleanup(province.close)
        return province

    def offline_laptop(self, user="lan", seed=None):
        """A home set up offline from the seed (`fieldcheck init`), no server anywhere."""
        folder = self.temp_dir()
        laptop = harness.Laptop(folder / user, user)
        laptop.init(seed)
        return laptop

    def app(self, laptop, *extra):
        """`fieldcheck ui --home HOME --no-browser` on `laptop`'s home."""
        app = harness.App(laptop.home, *extra)
        self.addCleanup(app.stop)
        return app

    def browser(self, name=None, check_origin=None):
        """Headless Chromium. When the test ends: a screenshot NAME-end.png, then the test fails
        on any console error it did not declare (`allow_error`), and when `check_origin` is given,
        on any request outside it."""
        browser = harness.Browser(name or "browser")
        self.addCleanup(browser.close)
        self.addCleanup(self._check_browser, browser, check_origin)
        return browser

    def _check_browser(self, browser, origin):
        try:
            browser.screenshot(f"{self.short_id()}-{browser.name}-end")
        except Exception:  # noqa: BLE001 - a screenshot is a help, not the verdict
            pass
        errors = browser.console_errors()
        self.assertEqual(errors, [], f"{browser.name}: errors in the browser's console")
        if origin:
            self.assertEqual(browser.foreign_requests(origin), [], f"{browser.name}: requests outside {origin}")

    def short_id(self):
        klass, method = self.id().split(".")[-2:]
        return f"{klass}.{method}"

    def shot(self, browser, screen):
        """A screenshot of a screen, named after the test (and the browser, when a test has more
        than one): screenshots/CLASS.TEST[-BROWSER]-SCREEN.png."""
        who = "" if browser.name == "browser" else f"-{browser.name}"
        return browser.screenshot(f"{self.short_id()}{who}-{screen}")

    # -- the page's moves

    def open_app(self, browser, app):
        """Opens the app's one-time address, as `fieldcheck ui` would in the default browser, and
        waits for the first screen (the navigation drawn, the address back at the app's root)."""
        browser.get(app.url)
        browser.wait(lambda d: d.current_url.startswith(app.origin + "/") and "/open" not in d.current_url,
                     message="the one-time address did not lead to the app")
        browser.visible("#nav-today")

    def go(self, browser, route, ready_css):
        """Goes to `#/ROUTE` the way a link does and waits for `ready_css` to be displayed."""
        browser.script("location.hash = arguments[0]", route)
        return browser.visible(ready_css)

    def question(self, browser, qid):
        return browser.visible(f"#q-{qid}")

    def input_of(self, browser, qid):
        return browser.find(f"#input-{qid}")

    def type_answer(self, browser, qid, text, settle=True):
        """Gives `text` as the answer of question `qid` the way an inspector does, once no save is
        running: typed into its field and the field left (Tab), which sends it; for choices, each
        listed code ticked (and the others unticked); date fields, whose typing Chromium lays out
        by locale, get the ISO value and a change event. Returns without waiting for the save
        (see `wait_saved`); `settle=False` does not wait for earlier saves either. The form redraws
        after each save, so a field gone stale is found again."""
        if settle:
            self.wait_settled(browser)
        for attempt in range(5):
            try:
                self._give(browser, qid, text)
                return
            except StaleElementReferenceException:
                if attempt == 4:
                    raise
                if settle:
                    self.wait_settled(browser)

    def _give(self, browser, qid, text):
        field = browser.find(f"#input-{qid}")
        browser.script("arguments[0].scrollIntoView({block: 'center'})", field)
        tag, kind = field.tag_name.lower(), (field.get_attribute("type") or "").lower()
        if kind in ("radio", "checkbox"):
            wanted = {c.strip() for c in text.split(",") if c.strip()}
            for box in browser.find_all(f"#q-{qid} input[type=radio], #q-{qid} input[type=checkbox]"):
                on = box.get_attribute("value") in wanted
                if box.is_selected() != on and (on or box.get_attribute("type") == "checkbox"):
                    browser.script("arguments[0].scrollIntoView({block: 'center'})", box)
                    box.click()
            return
        if tag == "select" or kind in ("date", "datetime-local", "time"):
            browser.script(
                "const f = arguments[0]; f.value = arguments[1];"
                "f.dispatchEvent(new Event('input', {bubbles: true}));"
                "f.dispatchEvent(new Event('change', {bubbles: true}));", field, text)
            return
        field.click()
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(Keys.DELETE)
        if text:
            field.send_keys(text)
        field.send_keys(Keys.TAB)

    def wait_settled(self, browser):
        """Waits until the form runs no save (its status is not "Saving…")."""
        browser.wait(lambda d: not d.find_elements("css selector", ".fc-form__status--saving"),
                     message="a save is still running")

    def wait_saved(self, browser, app, record, qid, expected_input):
        """Waits until the app holds `expected_input` as the answer of `qid` (read through the
        API with the browser's session, not from the page)."""
        def saved(_driver):
            form = browser.api(app, "GET", f"/api/inspections/{record}").json()
            for section in form["sections"]:
                for q in section["questions"]:
                    if q["id"] == qid:
                        return q["input"] == expected_input
            return False
        browser.wait(saved, message=f"{qid} was not saved as {expected_input!r}")

    def form(self, browser, app, record):
        return browser.api(app, "GET", f"/api/inspections/{record}").json()

    def answers(self, browser, app, record):
        """Question id -> input, every question that applies."""
        form = self.form(browser, app, record)
        return {q["id"]: q["input"] for s in form["sections"] for q in s["questions"]}

    def no_element_made_of(self, browser, marker):
        """True when the page holds no element that typed text `marker` could have made: no <img>
        with a `src` of x, no element with an on… attribute, and window.__fcInjected unset."""
        return browser.script(
            "const bad = [...document.querySelectorAll('img')].filter(i => i.getAttribute('src') === 'x');"
            "const handlers = [...document.querySelectorAll('*')].filter(e =>"
            "  [...e.attributes].some(a => a.name.startsWith('on')));"
            "return bad.length === 0 && handlers.length === 0 && window.__fcInjected === undefined;")


class ConsoleTestCase(BrowserTestCase):
    """The provincial console (sync-server/console/): a province served on 127.0.0.1 with a
    supervisor, inspectors, a provincial officer and an administrator, laptops driven by the real
    `fieldcheck`, the console's API over plain HTTP and its page in Chromium (the hooks of
    sync-server/console/web/README.md, "For tests"). Screenshots are named console-CLASS.TEST-….

    Users (password_of(NAME)), those of USERS: lan, hoa (inspectors) and giam (supervisor) of
    Bảo Lạc; mai (inspector) of Hà Quảng; tinh (provincial officer); quan (administrator)."""

    ACCOUNTS = {"lan": ("inspector", "bao-lac"), "hoa": ("inspector", "bao-lac"), "giam": ("supervisor", "bao-lac"),
                "mai": ("inspector", "ha-quang"), "tinh": ("provincial", None), "quan": ("admin", None)}
    USERS = tuple(ACCOUNTS)  # the accounts a test class needs (each costs a password hash)

    def setUp(self):
        self.prov = self.province()
        for name in self.USERS:
            role, district = self.ACCOUNTS[name]
            self.prov.add_user(name, "--role", role, *(["--district", district] if district else []))
        self.server = self.prov.serve()

    def short_id(self):
        return "console-" + super().short_id()

    # -- fixtures

    def laptop(self, user, login=True):
        """`user`'s laptop home in the province's folder: logged in and synced once (`login`), or
        not set up at all."""
        laptop = harness.Laptop(self.prov.dir / user, user)
        if login:
            laptop.login(self.server)
            laptop.sync()
        return laptop

    def attach_photo(self, laptop, record, question="photo_premises", seed=1):
        """A PNG attached to `record`'s photo question on `laptop` (sent with its next sync); its SHA-256."""
        import hashlib
        data = harness.sample_png(64, 48, seed)
        path = self.prov.dir / f"photo-{seed}.png"
        with open(path, "wb") as f:
            f.write(data)
        laptop.run("inspect", "attach", record, question, path)
        return hashlib.sha256(data).hexdigest()

    def console_api(self, user, password=None):
        """A console session of `user` over plain HTTP (asserting the login worked)."""
        api = harness.Console(self.server)
        reply = api.login(user, password)
        self.assertEqual(reply.status, 200, f"{user} could not log in to the console: {reply.body[:300]!r}")
        return api

    def console_browser(self, name=None):
        """Chromium for the console: fails on any console error but the page's first `/api/me`
        without a session (the README's "First load without a session"), and on any request
        outside the server's origin."""
        web = self.browser(name, check_origin=self.server.url)
        web.allow_error(r"/api/me .*401")
        return web

    def age_console_sessions(self, user, idle_minutes=0, age_hours=0):
        """Moves `user`'s console sessions back in time, as if their last request was
        `idle_minutes` ago and they began `age_hours` before that: the server reads its table
        `console_sessions` (API.md) at each request, so its own timeouts then apply."""
        import sqlite3
        with sqlite3.connect(f"{self.prov.data}/provincial.db", timeout=30) as db:
            db.execute("UPDATE console_sessions SET last_seen_ms = last_seen_ms - ?, created_ms = created_ms - ? - ?"
                       " WHERE user = ?", (idle_minutes * 60_000, idle_minutes * 60_000, age_hours * 3_600_000, user))
            changed = db.execute("SELECT changes()").fetchone()[0]
        db.close()
        self.assertGreater(changed, 0, f"{user} has no console session to age")

    # -- the page's moves

    def screen(self, web, name, timeout=harness.WAIT_S):
        """Waits for screen `name` to be drawn with its data (`#main[data-ready=NAME]`)."""
        return web.visible(f'#main[data-ready="{name}"]', timeout)

    def open_console(self, web, path, screen):
        """Loads the page at `path` (as a bookmark or a typed address would) and waits for `screen`."""
        web.get(self.server.url + path)
        return self.screen(web, screen)

    def log_in(self, web, user, password=None, screen=None):
        """Fills the login form (on screen) as `user`; waits for `#who` to name them and, when
        given, for `screen`."""
        self.screen(web, "login")
        for css, text in (("#login-user", user), ("#login-password", password or harness.password_of(user))):
            field = web.find(css)
            field.clear()
            field.send_keys(text)
        web.find("#login-submit").click()
        web.visible(f'#who[data-user="{user}"]')
        if screen:
            self.screen(web, screen)

    def console_login(self, web, user, path="/", screen="dashboard", password=None):
        """Opens the page at `path` without a session, logs in as `user` and waits for `screen`."""
        self.open_console(web, path, "login")
        self.log_in(web, user, password, screen)

    def click_twice(self, web, css):
        """A two-step button (README: the first press arms it, the second acts)."""
        button = web.visible(css)
        button.click()
        web.wait(lambda d: web.find(css).get_attribute("data-armed") == "1", message=f"{css} was not armed")
        web.find(css).click()

    def page_text(self, web):
        return web.script("return document.querySelector('main').textContent")

    def fits_width(self, web):
        """True when the page needs no sideways scroll (its content as wide as the window at most)."""
        return web.script("return document.documentElement.scrollWidth <= window.innerWidth")
