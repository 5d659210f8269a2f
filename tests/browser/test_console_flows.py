"""The provincial console in Chromium against the real fieldcheck-server and laptops driven by the
real `fieldcheck`: a supervisor's review, photos and conflict, the keyboard and a batch approval,
a provincial officer's dashboard, XLSX export and USB bundle, an administrator's people and
laptops, scope in the page, markup pushed by a laptop shown as text, an expired session and
logging out, every screen at 1366×768 and in English. The page's hooks are sync-server/console/web/README.md's ("For tests")."""
import urllib.parse

import openpyxl
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

import harness
from browser_case import ConsoleTestCase
from test_sync_flows import complete_draft

KARAOKE = "CS-39"       # in Bảo Lạc
EATERY = "CS-27"        # in Bảo Lạc
BAR = "CS-15"           # in Bảo Lạc
HA_QUANG_INN = "CS-17"  # in Hà Quảng
INJECTION = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>window.__fcInjected = 1</script>"


def quoted(ref):
    return urllib.parse.quote(ref, safe="")


def finalized(laptop, establishment):
    """A complete inspection of `establishment` finalized on `laptop` (not sent yet); its number."""
    record = complete_draft(laptop, establishment)
    laptop.run("inspect", "finalize", record)
    return record


class ConsoleFlowTestCase(ConsoleTestCase):

    def table_numbers(self, web):
        """The record numbers of the inspections table's rows, in order."""
        return [row.get_attribute("data-number") for row in web.find_all("#inspections-table tbody tr[data-number]")]

    def state_shown(self, web, code):
        web.visible(f'#inspection-state[data-state="{code}"]')

    def no_alert(self, web):
        try:
            text = web.driver.switch_to.alert.text
        except NoAlertPresentException:
            return True
        self.fail(f"an alert fired: {text!r}")

    def same_address(self, web, path):
        """True when the page's address is `path` (its path and query, in any order)."""
        now = urllib.parse.urlsplit(web.driver.current_url)
        want = urllib.parse.urlsplit(path)
        return now.path == want.path and sorted(urllib.parse.parse_qsl(now.query)) == sorted(
            urllib.parse.parse_qsl(want.query))


class ConsoleSupervisorTest(ConsoleFlowTestCase):
    USERS = ("lan", "hoa", "giam")

    def test_review_and_resolve(self):
        """console: a supervisor approves an inspection, returns another with a comment and resolves a conflict, and the laptops see all three after a sync"""
        lan, hoa = self.laptop("lan"), self.laptop("hoa")
        approved = complete_draft(lan, KARAOKE)
        photo = self.attach_photo(lan, approved)
        lan.run("inspect", "finalize", approved)
        returned = finalized(lan, EATERY)
        # Offline, Lan first and Hoa later change the same number of workers: a conflict.
        lan.run("establishment", "set", BAR, "workers=14")
        hoa.run("establishment", "set", BAR, "workers=9")
        for laptop in (lan, hoa, lan, hoa):
            laptop.sync()

        web = self.console_browser()
        web.allow_error(r"/review .*422")  # the return without a comment, provoked below
        self.console_login(web, "giam", "/inspections?state=submitted", "inspections")
        self.assertEqual(sorted(self.table_numbers(web)), sorted([approved, returned]))
        self.shot(web, "inspections")

        web.find(f'#inspections-table tr[data-number="{approved}"] a.row-link').click()
        self.screen(web, "inspection")
        self.assertTrue(web.find_all("#inspection-form"))
        self.shot(web, "inspection")
        # Its photo as a thumbnail, full size on a click, closed with Escape.
        thumb = web.visible(f'#inspection-photos a.photo-thumb[data-sha256="{photo}"]')
        web.wait(lambda d: d.execute_script("return arguments[0].querySelector('img').naturalWidth", thumb) == 64,
                 message="the thumbnail did not load")
        thumb.click()
        viewer = web.visible("#photo-viewer")
        web.wait(lambda d: d.execute_script("const i = arguments[0].querySelector('img');"
                                            "return i && i.complete && i.naturalWidth", viewer) == 64,
                 message="the photo did not open at full size")
        self.shot(web, "photo")
        web.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
        web.gone("#photo-viewer")
        api = self.console_api("giam")
        web.find("#review-approve").click()
        self.state_shown(web, "approved")
        # The table, read at once, no longer lists it as waiting (whatever its index's refresh).
        waiting = [r["number"] for r in api.json("GET", "/api/inspections?state=submitted")["rows"]]
        web.gone("#review-approve")
        self.shot(web, "approved")
        with self.subTest("the inspections read right after an approval no longer list it as waiting"):
            self.assertEqual(waiting, [returned])
        with self.subTest("an approved inspection still names its inspector, not its reviewer"):
            shown = api.json("GET", f"/api/inspections/{quoted(approved)}")
            self.assertEqual((shown["inspector"], shown["review"]["by"]), ("lan", "giam"))

        self.open_console(web, "/inspections?state=submitted", "inspections")
        with self.subTest("the table shown after an approval no longer lists it as waiting"):
            self.assertEqual(self.table_numbers(web), [returned])
        web.find(f'#inspections-table tr[data-number="{returned}"] a.row-link').click()
        self.screen(web, "inspection")
        web.visible("#review-return").click()  # no comment: refused, beside the comment
        web.visible("#review-comment-error")
        self.state_shown(web, "submitted")
        web.find("#review-comment").send_keys("Thiếu ảnh cơ sở; hãy chụp bổ sung.")
        web.find("#review-return").click()
        self.state_shown(web, "returned")
        self.assertIn("Thiếu ảnh cơ sở; hãy chụp bổ sung.", web.find("#inspection-review").text)
        self.shot(web, "returned")

        web.find("#nav-conflicts").click()
        self.screen(web, "conflicts")
        rows = web.find_all("#conflicts-table tr[data-number]")
        self.assertEqual(len(rows), 1)
        self.shot(web, "conflicts")
        rows[0].find_element("css selector", "a.row-link").click()
        self.screen(web, "conflict")
        web.visible('#conflict-state[data-open="1"]')
        for side in ("applied", "other", "set"):
            self.assertTrue(web.find_all(f'input[type=radio][data-field="workers"][value="{side}"]'), side)
        web.find('input[type=radio][data-field="workers"][value="set"]').click()
        web.find('input.conflict-set[data-field="workers"]').send_keys("11")
        self.shot(web, "conflict")
        web.find("#resolve-submit").click()
        web.visible('#conflict-state[data-open="0"]')
        web.gone("#resolve-submit")
        self.shot(web, "conflict-resolved")

        # The laptops, after their next sync.
        for laptop in (lan, hoa):
            laptop.sync()
        fields = lan.run_json("inspect", "show", approved)["fields"]
        self.assertEqual((fields["_status"], fields.get("_review"), fields.get("_reviewed_by")),
                         ("finalized", "approved", "giam"))
        fields = lan.run_json("inspect", "show", returned)["fields"]
        self.assertEqual((fields["_status"], fields.get("_review")), ("draft", "returned"))
        self.assertEqual(fields.get("_review_comment"), "Thiếu ảnh cơ sở; hãy chụp bổ sung.")
        self.assertEqual(lan.run_json("status")["returned"], 1)
        for laptop in (lan, hoa):
            self.assertEqual(laptop.run_json("establishment", "show", BAR)["fields"]["workers"], 11, laptop.user)
        giam = self.laptop("giam")
        self.assertEqual(giam.run_json("conflicts", "list"), [], "the supervisor's laptop still lists the conflict")


class ConsoleKeyboardTest(ConsoleFlowTestCase):
    USERS = ("lan", "giam")

    def test_keyboard_and_batch_approval(self):
        """console: with the keyboard a supervisor goes to the inspections, ticks two rows, approves both at once and opens a row"""
        lan = self.laptop("lan")
        made = [finalized(lan, code) for code in (KARAOKE, EATERY, BAR)]
        lan.sync()
        web = self.console_browser()
        self.open_console(web, "/", "login")
        web.find("#login-user").send_keys("giam")
        web.find("#login-password").send_keys(harness.password_of("giam"), Keys.ENTER)
        self.screen(web, "dashboard")

        def keys(*typed):
            ActionChains(web.driver).send_keys(*typed).perform()

        def focused_row():
            return web.script("const r = document.activeElement && document.activeElement.closest('tr[data-number]');"
                              "return r ? r.dataset.number : null")

        keys("g", "i")
        self.screen(web, "inspections")
        self.assertTrue(self.same_address(web, "/inspections"), web.driver.current_url)
        rows = self.table_numbers(web)
        self.assertEqual(sorted(rows), sorted(made))
        keys("/")
        web.wait(lambda d: d.execute_script("return document.activeElement.id") == "f-q", message="/ did not focus the search")
        keys("g", "d")  # typed into the search: no shortcut
        self.assertEqual(web.find("#f-q").get_attribute("value"), "gd")
        self.assertTrue(web.find_all('#main[data-ready="inspections"]'))
        web.find("#f-q").clear()
        web.script("document.activeElement.blur()")

        keys("j")
        web.wait(lambda d: focused_row() == rows[0], message="j did not move to the first row")
        keys("x", "j", "x")
        web.wait(lambda d: focused_row() == rows[1], message="j did not move to the second row")
        ticked = [b.get_attribute("data-number") for b in web.find_all("input.row-select") if b.is_selected()]
        self.assertEqual(ticked, rows[:2])
        self.shot(web, "ticked")
        web.find("#batch-approve").click()
        for number in rows[:2]:
            web.visible(f'#batch-result [data-number="{number}"]')
        self.shot(web, "batch-approved")
        api = self.console_api("giam")
        states = {n: api.json("GET", f"/api/inspections/{quoted(n)}")["state"]["code"] for n in rows}
        self.assertEqual(states, {rows[0]: "approved", rows[1]: "approved", rows[2]: "submitted"})

        keys("j")
        web.wait(lambda d: focused_row() is not None, message="j did not move to a row")
        opened = focused_row()
        keys(Keys.ENTER)
        self.screen(web, "inspection")
        self.assertTrue(self.same_address(web, f"/inspections/{quoted(opened)}")
                        or self.same_address(web, f"/inspections/{opened}"), web.driver.current_url)


class ConsoleScopeInPageTest(ConsoleFlowTestCase):
    USERS = ("lan", "mai", "giam")

    def test_scope_in_page(self):
        """console: a supervisor opening another district's record by its address is told it is not found, and an inspector is offered no review"""
        lan, mai = self.laptop("lan"), self.laptop("mai")
        ours, theirs = finalized(lan, KARAOKE), finalized(mai, HA_QUANG_INN)
        lan.sync()
        mai.sync()
        their_name = mai.run_json("establishment", "show", HA_QUANG_INN)["fields"]["name"]

        web = self.console_browser()
        web.allow_error(r"/api/inspections/[^ ]* .*404")
        web.allow_error(r"/api/inspections\?[^ ]* .*404")
        self.open_console(web, f"/inspections/{quoted(theirs)}", "login")
        self.log_in(web, "giam")
        error = web.visible("#error")
        self.assertTrue(error.text.strip())
        self.assertFalse(web.find_all('#main[data-ready="inspection"]'))
        self.assertNotIn(their_name, web.script("return document.body.textContent"))
        self.shot(web, "other-district-record")
        self.open_console(web, "/inspections", "inspections")
        self.assertEqual(self.table_numbers(web), [ours])
        web.get(self.server.url + "/inspections?district=ha-quang")
        web.visible("#error")
        self.assertNotIn(theirs, web.script("return document.body.textContent"))

        web.find("#logout").click()
        self.log_in(web, "lan")
        self.open_console(web, "/inspections", "inspections")
        self.assertEqual(self.table_numbers(web), [ours])
        self.assertFalse(web.find_all("#batch-approve"))
        web.find(f'#inspections-table tr[data-number="{ours}"] a.row-link').click()
        self.screen(web, "inspection")
        self.state_shown(web, "submitted")
        for css in ("#review-approve", "#review-return", "#review-comment", "#nav-people"):
            self.assertFalse(web.find_all(css), css)
        self.shot(web, "inspector-record")


class ConsoleProvincialTest(ConsoleFlowTestCase):
    USERS = ("lan", "hoa", "mai", "tinh")

    def test_dashboard_export_and_bundle(self):
        """console: a provincial officer reads the dashboard, filters the inspections, downloads them as XLSX and imports a laptop's USB bundle, whose receipt the laptop applies"""
        lan, hoa, mai = self.laptop("lan"), self.laptop("hoa"), self.laptop("mai")
        ours = finalized(lan, KARAOKE)
        draft = complete_draft(hoa, BAR)
        lan.sync()
        hoa.sync()
        # Weeks without a link in Hà Quảng: Mai's inspection goes on a USB stick.
        carried = finalized(mai, HA_QUANG_INN)
        usb = self.temp_dir()
        exported = mai.run_json("bundle", "export", usb / "mai.fcb")
        self.assertGreaterEqual(exported["changes"], 1)
        downloads = self.temp_dir()

        web = self.console_browser()
        web.allow_downloads(downloads.path)
        self.console_login(web, "tinh", "/", "dashboard")
        for css in ("#dashboard-targets", "#dashboard-states", "#dashboard-devices"):
            web.visible(css)
        self.assertIn("Bảo Lạc", web.find("#dashboard-states").text)
        self.assertIn("Hà Quảng", web.find("#dashboard-states").text)
        self.shot(web, "dashboard")
        # One district's figures, at an address of their own.
        Select(web.find("#dashboard-district")).select_by_value("bao-lac")
        web.wait(lambda d: self.same_address(web, "/?district=bao-lac"), message="the district is not in the address")
        self.screen(web, "dashboard")
        web.wait(lambda d: "Hà Quảng" not in web.find("#dashboard-states").text, message="the dashboard kept every district")
        self.assertIn("Bảo Lạc", web.find("#dashboard-states").text)
        self.shot(web, "dashboard-bao-lac")

        web.find("#nav-inspections").click()
        self.screen(web, "inspections")
        for number in (ours, draft):
            self.assertIn(number, self.table_numbers(web))
        Select(web.find("#f-district")).select_by_value("bao-lac")
        Select(web.find("#f-state")).select_by_value("submitted")
        web.find("#f-apply").click()
        web.wait(lambda d: self.same_address(web, "/inspections?district=bao-lac&state=submitted"),
                 message="the filters are not in the address")
        self.screen(web, "inspections")
        web.wait(lambda d: self.table_numbers(web) == [ours], message="the table is not filtered")
        self.shot(web, "inspections-filtered")

        web.find("#inspections-export-xlsx").click()
        book = openpyxl.load_workbook(web.downloaded(downloads.path, ".xlsx", timeout=60), read_only=True)
        rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        headers = [str(h) for h in rows[0] if h is not None]
        for wanted in ("Số phiếu", "Người kiểm tra", "Ngày giờ kiểm tra"):
            self.assertIn(wanted, headers)
        number_at = rows[0].index("Số phiếu")
        body = {r[number_at]: r for r in rows[1:] if any(v is not None for v in r)}
        self.assertIn(ours, body)
        self.assertNotIn(carried, body)
        self.assertIn("Bảo Lạc", [v for v in body[ours] if isinstance(v, str)])
        self.assertIn(KARAOKE, " ".join(str(v) for v in body[ours] if v is not None))
        with self.subTest("the XLSX holds the rows of the filtered table, no more"):
            self.assertEqual(sorted(body), [ours], "the XLSX does not hold the filtered table's rows")

        web.find("#nav-exports").click()
        self.screen(web, "exports")
        web.find("#bundle-file").send_keys(usb / "mai.fcb")
        web.find("#bundle-upload").click()
        result = web.visible("#bundle-result")
        web.visible("#receipt-link")
        self.assertIn("mai", result.text)
        self.shot(web, "bundle-imported")
        web.find("#receipt-link").click()
        receipt = web.downloaded(downloads.path, ".fcr", timeout=60)
        self.assertGreater(mai.run_json("status")["pending_changes"], 0)
        applied = mai.run_json("bundle", "import", receipt)
        self.assertGreaterEqual(applied["acknowledged"], 1)
        self.assertEqual(mai.run_json("status")["pending_changes"], 0)

        self.open_console(web, "/inspections?district=ha-quang", "inspections")
        self.assertEqual(self.table_numbers(web), [carried])
        self.shot(web, "inspections-from-bundle")


class ConsoleAdminTest(ConsoleFlowTestCase):
    USERS = ("lan", "hoa", "quan")

    def test_people_and_laptops(self):
        """console: an administrator adds a user whose one-time code works once and must be changed, resets a password and revokes a laptop, whose next sync is refused, and finds each in the audit log"""
        lan = self.laptop("lan")
        web = self.console_browser()
        web.allow_error(r"/api/session .*401")  # the one-time code tried a second time
        self.console_login(web, "quan", "/people", "people")
        self.shot(web, "people")
        web.find("#people-name").send_keys("thu")
        Select(web.find("#people-role")).select_by_value("inspector")
        Select(web.find("#people-district")).select_by_value("bao-lac")
        web.find("#people-submit").click()
        code = web.visible('#one-time-code[data-user="thu"]').text.strip()
        self.assertGreaterEqual(len(code), 8)
        web.visible('#people-table tr[data-user="thu"]')
        self.shot(web, "user-added")

        web.find("#logout").click()
        self.log_in(web, "thu", code)
        web.visible("#password-forced")
        self.screen(web, "password")
        self.assertFalse(web.find_all("#nav-dashboard"), "the navigation is offered before the code is changed")
        self.shot(web, "password-forced")
        for css, text in (("#password-current", code), ("#password-new", "mat-khau-cua-thu"),
                          ("#password-again", "mat-khau-cua-thu")):
            web.find(css).send_keys(text)
        web.find("#password-submit").click()
        web.visible("#nav-dashboard")
        web.gone("#password-forced")
        web.find("#logout").click()
        self.screen(web, "login")
        self.log_in_refused(web, "thu", code)
        self.log_in(web, "thu", "mat-khau-cua-thu")
        web.find("#logout").click()

        self.log_in(web, "quan")
        self.open_console(web, "/people", "people")
        self.click_twice(web, 'button.reset-password[data-user="hoa"]')
        hoa_code = web.visible('#one-time-code[data-user="hoa"]').text.strip()
        self.assertEqual(harness.Console(self.server).login("hoa").status, 401, "the old password still works")
        self.assertTrue(self.console_api("hoa", hoa_code).me["must_change_password"])

        device = self.prov.server_json("device", "list", "--user", "lan")[0]["id"]
        self.open_console(web, "/people/lan", "person")
        self.shot(web, "person")
        self.click_twice(web, f'button.revoke-device[data-device="{device}"]')
        web.visible(f'#devices-table tr[data-device="{device}"][data-revoked="1"]')
        self.shot(web, "laptop-revoked")
        self.assertTrue(self.prov.server_json("device", "list", "--user", "lan")[0]["revoked"])
        refused = lan.run("sync", check=False)
        self.assertNotEqual(refused.returncode, 0, f"a revoked laptop synced: {refused.stdout}")
        self.assertIn("revoked", refused.stderr)
        self.console_api("lan")  # Lan works on elsewhere: the user is not revoked

        # The audit log names each of these, and narrows to one action.
        self.open_console(web, "/audit?user=quan", "audit")
        logged = web.find("#audit-table").text
        for action in ("user.add", "user.reset", "device.revoke"):
            self.assertIn(action, logged)
        action = web.find("#a-action")
        action.send_keys("device.revoke", Keys.ENTER)
        web.wait(lambda d: self.same_address(web, "/audit?user=quan&action=device.revoke"),
                 message="the action filter is not in the address")
        self.screen(web, "audit")
        web.wait(lambda d: "user.add" not in web.find("#audit-table").text, message="the audit log was not narrowed")
        self.assertEqual(len(web.find_all("#audit-table tr[data-id]")), 1)
        self.assertIn(device, web.find("#audit-table").text)
        self.shot(web, "audit")

    def log_in_refused(self, web, user, password):
        for css, text in (("#login-user", user), ("#login-password", password)):
            web.find(css).clear()
            web.find(css).send_keys(text)
        web.find("#login-submit").click()
        web.visible('#error[data-code="login_refused"]')
        self.screen(web, "login")


class ConsoleMarkupTest(ConsoleFlowTestCase):
    USERS = ("lan", "hoa", "giam")

    def test_markup_shown_as_text(self):
        """console: markup laptops pushed is shown as text on the inspection screen, its history, the tables, a conflict and the plan report, and no alert fires"""
        lan, hoa = self.laptop("lan"), self.laptop("hoa")
        lan.run("establishment", "set", KARAOKE, f"name={INJECTION}")
        lan.run("establishment", "set", BAR, f"name={INJECTION}")  # not inspected: named by the plan report
        record = complete_draft(lan, KARAOKE)
        lan.run("inspect", "set", record, f"team_members={INJECTION}")
        lan.run("inspect", "finalize", record)
        # Offline, Lan and Hoa give the bar's owner two kinds of markup: a conflict shows both.
        lan.run("establishment", "set", BAR, f"owner={INJECTION}")
        hoa.run("establishment", "set", BAR, f"owner={SCRIPT}")
        for laptop in (lan, hoa, lan, hoa):
            laptop.sync()

        web = self.console_browser()
        self.console_login(web, "giam", f"/inspections/{quoted(record)}", "inspection")
        # Where: the answer in the Form and the history, the establishment's name in the tables
        # and the plan report, the owners side by side in the conflict.
        for where, path, screen, holder, texts in (
                ("inspection", f"/inspections/{quoted(record)}", "inspection", "#inspection-form", [INJECTION]),
                ("history", f"/inspections/{quoted(record)}", "inspection", "#inspection-history", [INJECTION]),
                ("table", "/inspections", "inspections", "#inspections-table", [INJECTION]),
                ("establishments", "/establishments", "establishments", "#establishments-table", [INJECTION]),
                ("conflict", "/conflicts", "conflicts", "main", [INJECTION, SCRIPT]),
                ("plan-report", "/api/plan-report.html?district=bao-lac", None, "body", [INJECTION])):
            if screen:
                self.open_console(web, path, screen)
            else:
                web.get(self.server.url + path)
            if where == "conflict":
                web.find("#conflicts-table tr[data-number] a.row-link").click()
                self.screen(web, "conflict")
            for text in texts:
                web.wait(lambda d: text in d.execute_script(
                    "const e = document.querySelector(arguments[0]); return e ? e.textContent : ''", holder),
                    message=f"{where} does not show {text} as text")
            self.assertTrue(self.no_element_made_of(web, INJECTION), where)
            self.assertFalse(web.find_all("main script"), where)
            self.no_alert(web)
            web.script(
                "const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);"
                "let node; while ((node = walker.nextNode()) && !node.nodeValue.includes(arguments[0]));"
                "if (node) node.parentElement.scrollIntoView({block: 'center'});", INJECTION)
            self.shot(web, f"markup-{where}")


class ConsoleSessionTest(ConsoleFlowTestCase):
    USERS = ("lan", "giam")

    def test_expiry_and_logout(self):
        """console: an expired session shows the login form at the same address and goes on there, and logging out ends the session"""
        lan = self.laptop("lan")
        record = finalized(lan, KARAOKE)
        lan.sync()
        web = self.console_browser()
        web.allow_error(r"/api/[^ ]* .*401")  # every request of the expired session
        self.console_login(web, "giam", "/inspections?district=bao-lac", "inspections")
        # 31 minutes without a request: the session has ended on the server (API.md).
        self.age_console_sessions("giam", idle_minutes=31)
        web.find(f'#inspections-table tr[data-number="{record}"] a.row-link').click()
        self.screen(web, "login")
        web.wait(lambda d: self.same_address(web, f"/inspections/{quoted(record)}")
                 or self.same_address(web, f"/inspections/{record}"), message="the address was not kept")
        self.assertFalse(web.find_all("#inspection-form"))
        web.visible('#error[data-code="session_expired"]')
        self.shot(web, "expired")
        self.log_in(web, "giam", screen="inspection")
        self.state_shown(web, "submitted")

        cookie = web.cookies_header()
        web.find("#logout").click()
        self.screen(web, "login")
        web.gone('#who[data-user="giam"]')
        self.assertEqual(harness.http_request(self.server.port, "GET", "/api/me", headers={"Cookie": cookie}).status, 401)
        web.driver.back()
        self.screen(web, "login")
        self.assertNotIn(record, web.script("return document.querySelector('main').textContent"))
        self.shot(web, "logged-out")


class ConsolePageTest(ConsoleFlowTestCase):
    USERS = ("lan", "hoa", "quan")

    # (screen, how to reach it from the one before: a navigation link, or a row of the screen before)
    SCREENS = (("dashboard", "#nav-dashboard"), ("inspections", "#nav-inspections"),
               ("inspection", "#inspections-table tr[data-number] a.row-link"),
               ("conflicts", "#nav-conflicts"), ("conflict", "#conflicts-table tr[data-number] a.row-link"),
               ("establishments", "#nav-establishments"),
               ("establishment", "#establishments-table tr[data-code] a.row-link"),
               ("reports", "#nav-reports"), ("people", "#nav-people"),
               ("person", "#people-table tr[data-user] a.row-link"), ("exports", "#nav-exports"),
               ("audit", "#nav-audit"), ("password", "#nav-password"))

    def test_every_screen_at_1366_and_in_english(self):
        """console: every screen fits 1366x768 without a sideways scroll, and the English switch changes its words"""
        lan, hoa = self.laptop("lan"), self.laptop("hoa")
        finalized(lan, KARAOKE)
        lan.run("establishment", "set", BAR, "workers=14")
        hoa.run("establishment", "set", BAR, "workers=9")
        for laptop in (lan, hoa, lan, hoa):
            laptop.sync()

        web = self.console_browser()
        self.assertEqual(web.script("return window.innerWidth"), 1366)
        self.assertLessEqual(web.script("return window.innerHeight"), 768)
        self.console_login(web, "quan", "/", "dashboard")
        titles, navigation = {}, {}
        for lang in ("vi", "en"):
            if lang == "en":
                web.find("#lang-switch").click()
                web.wait(lambda d: d.execute_script("return document.documentElement.lang") == "en",
                         message="the page did not switch to English")
            for screen, link in self.SCREENS:
                web.visible(link).click()
                self.screen(web, screen)
                title = web.visible("#screen-title").text.strip()
                self.assertTrue(title, screen)
                self.shot(web, f"{screen}-{lang}")
                with self.subTest(f"{screen} ({lang}) needs no sideways scroll"):
                    self.assertTrue(self.fits_width(web), f"{screen} ({lang}) scrolls sideways at 1366×768: "
                                    f"{web.script('return document.documentElement.scrollWidth')} px wide")
                titles.setdefault(screen, {})[lang] = title
            self.assertEqual(web.script("return document.documentElement.lang"), lang)
            navigation[lang] = [link.text.strip() for link in web.find_all("#nav a")]
        # Titles naming a record (its number, a person's name) may be alike; the others must not.
        same = [s for s, t in titles.items() if t["vi"] == t["en"] and s not in ("inspection", "conflict", "person", "establishment")]
        self.assertEqual(same, [], "screens whose title stayed the same in English")
        alike = [v for v, e in zip(navigation["vi"], navigation["en"]) if v == e]
        self.assertEqual(alike, [], "navigation links not translated")
