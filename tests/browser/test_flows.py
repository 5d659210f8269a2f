"""The inspector's flows in Chromium on the real `fieldcheck ui`, on a home set up offline from
the sample seed: find an establishment, answer, see what the core says of each answer, confirm a
warning, attach a photo, finalize; the app killed in the middle of answering; typed text shown as
text. Each screen's screenshot goes to screenshots/CLASS.TEST-SCREEN.png."""
import json
import os
import re
import urllib.parse

import harness
from browser_case import BrowserTestCase
from selenium.webdriver.common.keys import Keys

# A karaoke in Bảo Lạc, as the seed has it (packaging/seed/cao-bang-2019/establishments.json).
KARAOKE = "CS-39"
BAR = "CS-15"
# Typed text that would make an element, with a handler, if a page put it into HTML.
INJECTION = '<img src=x onerror="window.__fcInjected=1"><b id=fc-bold>x</b>'

# What the core puts back as the input of an answer typed otherwise (the rest come back as typed).
SAVED_AS = {"22.6, 105.9": "22.600000, 105.900000"}

# Every answer the sample checklist needs for a bar (not karaoke, not lodging), as typed; in
# the order they are asked, with yes/no as the choice codes the page's radios carry.
COMPLETE_BAR = [
    ("visit_time", "2019-05-03T09:00"), ("team_members", "Đoàn 1"), ("business_registration", "yes"),
    ("security_certificate", "yes"), ("worker_register", "yes"), ("workers_total", "4"), ("workers_women", "2"),
    ("workers_under_18", "0"), ("prostitution_signs", "no"), ("prevention_material", "prostitution"),
    ("workers_informed", "yes"), ("violations", "none"), ("actions", "none"), ("conclusion", "compliant"),
    ("location", "22.6, 105.9"),
]


class FlowTestCase(BrowserTestCase):
    """An offline home, its app and a browser on it."""

    def setUp(self):
        self.laptop = self.offline_laptop()
        self.ui = self.app(self.laptop)
        self.web = self.browser(check_origin=self.ui.origin)
        self.open_app(self.web, self.ui)

    def start_inspection(self, code):
        """Opens establishment `code`'s screen and starts an inspection there; returns its number."""
        self.go(self.web, f"#/establishment/{code}", "#start-inspection").click()
        self.web.wait(lambda d: re.search(r"#/record/[^/]+$", d.current_url), message="no record screen opened")
        self.web.visible("[data-question]")
        return urllib.parse.unquote(self.web.driver.current_url.rsplit("/", 1)[1])

    def answer(self, record, qid, text):
        """Types an answer and waits until the app has saved it."""
        self.type_answer(self.web, qid, text)
        self.wait_saved(self.web, self.ui, record, qid, SAVED_AS.get(text, text))


class FindTest(FlowTestCase):

    def test_find_without_accents(self):
        """flows: an establishment is found by typing its name without accents, and opens"""
        self.web.find("#nav-establishments").click()
        search = self.web.visible("#search")
        self.shot(self.web, "establishments")
        search.send_keys("karaoke hoang gia")
        self.web.wait(lambda d: [r.get_attribute("data-code") for r in d.find_elements("css selector", "#results tr[data-code]")]
                      == ["CS-43"], message="typing without accents did not find Karaoke Hoàng Gia alone")
        self.assertIn("Karaoke Hoàng Gia", self.web.find('#results tr[data-code="CS-43"]').text)
        self.shot(self.web, "search-hoang-gia")
        # The district and commune filters narrow the list.
        search.send_keys(Keys.CONTROL, "a")
        search.send_keys(Keys.DELETE)
        self.web.script("const s = document.getElementById('district'); s.value = 'bao-lac';"
                        "s.dispatchEvent(new Event('change', {bubbles: true}));")
        self.web.wait(lambda d: {r.get_attribute("data-code") for r in d.find_elements("css selector", "#results tr[data-code]")}
                      == {"CS-15", "CS-27", "CS-39"}, message="the district filter did not give Bảo Lạc's three")
        self.web.script("const s = document.getElementById('commune'); s.value = 'bao-lac/xa-hung-thinh';"
                        "s.dispatchEvent(new Event('change', {bubbles: true}));")
        self.web.wait(lambda d: [r.get_attribute("data-code") for r in d.find_elements("css selector", "#results tr[data-code]")]
                      == ["CS-39"], message="the commune filter did not narrow to CS-39")
        self.shot(self.web, "filtered")
        self.web.find('#results tr[data-code="CS-39"] a').click()
        self.web.visible("#start-inspection")
        self.assertIn("Karaoke Hải Yến", self.web.find("h1").text)
        self.shot(self.web, "establishment")


class AnswerTest(FlowTestCase):

    def test_wrong_value(self):
        """flows: a wrong value shows its message beside the question and is not saved"""
        self.web.allow_error(r"/answer - Failed to load resource: the server responded with a status of 422")
        record = self.start_inspection(KARAOKE)
        self.answer(record, "workers_total", "12")
        for qid, wrong in (("workers_total", "mười hai"), ("workers_total", "1001"), ("workers_total", "-3"),
                           ("karaoke_smallest_room_m2", "600")):
            with self.subTest(question=qid, typed=wrong):
                before = self.answers(self.web, self.ui, record)[qid]
                self.type_answer(self.web, qid, wrong)
                self.web.wait(lambda d: "fc-q--error" in d.find_element("id", f"q-{qid}").get_attribute("class"),
                              message=f"{qid} is not marked wrong")
                self.wait_settled(self.web)
                # Its message: what the core says is wrong with this answer, in the page's language.
                shown = self.web.visible(f"#msg-{qid}").text
                self.assertIn(self.refusal(record, qid, wrong).lower(), shown.lower())
                self.assertEqual(self.answers(self.web, self.ui, record)[qid], before, "a wrong value was saved")
                # The field keeps what was typed, so it can be corrected.
                self.assertEqual(self.input_of(self.web, qid).get_attribute("value"), wrong)
                self.shot(self.web, f"wrong-{qid}-{wrong}")
        self.answer(record, "workers_total", "14")
        self.web.gone("#msg-workers_total")

    def refusal(self, record, qid, text):
        """What the core says of `text` as the answer of `qid` (Vietnamese, the page's language),
        without the question's label in front: asked of the API, which refuses it (and saves nothing)."""
        reply = self.web.api(self.ui, "POST", f"/api/inspections/{record}/answer", {"question": qid, "text": text})
        self.assertEqual(reply.status, 422)
        detail = reply.json()["error"]["details"][0]["vi"]
        return detail.split("”: ", 1)[-1]

    def test_relevance(self):
        """flows: a question appears and disappears with the answers it depends on"""
        record = self.start_inspection(KARAOKE)
        self.web.visible("#q-karaoke_doors_transparent")
        self.assertFalse(self.web.find_all("#q-guest_register"), "a lodging question on a karaoke's checklist")
        self.assertFalse(self.web.find_all("#q-prostitution_signs_description"))
        self.answer(record, "prostitution_signs", "yes")
        self.web.visible("#q-prostitution_signs_description")
        self.shot(self.web, "relevant-shown")
        self.answer(record, "prostitution_signs", "no")
        self.web.wait(lambda d: not d.find_elements("id", "q-prostitution_signs_description"),
                      message="the description stayed after the signs were answered no")
        self.shot(self.web, "relevant-hidden")
        # A choice that brings its own question: "other violation" asks for a description.
        self.assertFalse(self.web.find_all("#q-violations_other"))
        self.answer(record, "violations", "other")
        self.web.visible("#q-violations_other")
        self.answer(record, "violations", "")
        self.web.wait(lambda d: not d.find_elements("id", "q-violations_other"))
        # A bar's checklist has no karaoke questions at all.
        bar = self.start_inspection(BAR)
        self.assertNotEqual(bar, record)
        self.assertFalse(self.web.find_all("#q-karaoke_doors_transparent"))

    def test_warning_confirmed(self):
        """flows: a warning is confirmed in the question it concerns and shows who confirmed it"""
        record = self.start_inspection(BAR)
        self.type_answer(self.web, "visit_time", "2018-01-15T09:00")
        self.web.visible('#q-visit_time [data-constraint="visit_within_plan"]')
        button = self.web.visible('#q-visit_time button[data-confirm="visit_within_plan"]')
        self.shot(self.web, "warning")
        button.click()
        self.web.visible('#q-visit_time .fc-check--confirmed[data-constraint="visit_within_plan"]')
        self.wait_settled(self.web)
        confirmed = [c for c in self.form(self.web, self.ui, record)["constraints"] if c["id"] == "visit_within_plan"]
        self.assertEqual(len(confirmed), 1)
        self.assertTrue(confirmed[0]["confirmed"])
        self.assertEqual(confirmed[0]["confirmed_by"], "lan")
        self.assertIn("lan", self.web.find('#q-visit_time .fc-check--confirmed').text)
        self.shot(self.web, "warning-confirmed")
        # Changing what it reads asks for the confirmation again.
        self.type_answer(self.web, "visit_time", "2018-01-16T09:00")
        self.web.visible('#q-visit_time button[data-confirm="visit_within_plan"]')


class PhotoTest(FlowTestCase):

    def test_photo_scaled(self):
        """flows: a 12-megapixel JPEG is stored at 2 megapixels or less"""
        record = self.start_inspection(BAR)
        # The photo is made by Chromium itself (a 4000 x 3000 canvas as a JPEG), so no image
        # library is needed; its size is read back from its header.
        data_url = self.web.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "const c = document.createElement('canvas'); c.width = 4000; c.height = 3000;"
            "const g = c.getContext('2d');"
            "for (let i = 0; i < 60; i++) { g.fillStyle = `hsl(${i * 37 % 360}, 70%, ${30 + i % 40}%)`;"
            "  g.fillRect((i * 173) % 3600, (i * 97) % 2700, 400 + i * 7, 300 + i * 5); }"
            "g.fillStyle = '#fff'; g.font = '300px sans-serif'; g.fillText('Fieldcheck 12 MP', 300, 1600);"
            "c.toBlob(b => { const r = new FileReader(); r.onload = () => done(r.result); r.readAsDataURL(b); },"
            "  'image/jpeg', 0.9);")
        photo = harness.data_url_bytes(data_url)
        self.assertEqual(harness.jpeg_size(photo), (4000, 3000))
        path = os.path.join(self.temp_dir().path, "premises-12mp.jpg")
        with open(path, "wb") as f:
            f.write(photo)
        field = self.web.find("#input-photo_premises")
        field.send_keys(path)

        def stored(_driver):
            for s in self.form(self.web, self.ui, record)["sections"]:
                for q in s["questions"]:
                    if q["id"] == "photo_premises" and q.get("photo"):
                        return q["photo"]
            return False
        stored_photo = self.web.wait(stored, timeout=60, message="the photo was not stored")
        image = self.web.api(self.ui, "GET", stored_photo["url"])
        self.assertEqual(image.status, 200)
        size = harness.jpeg_size(image.body) or harness.png_size(image.body)
        self.assertIsNotNone(size, "the stored photo is neither JPEG nor PNG")
        self.assertLessEqual(size[0] * size[1], 2_000_000, f"stored at {size[0]} x {size[1]}")
        self.assertGreaterEqual(size[0] * size[1], 1_000_000, f"scaled further than needed: {size}")
        self.assertAlmostEqual(size[0] / size[1], 4 / 3, places=2)
        self.web.visible("#q-photo_premises img")
        self.web.script("document.getElementById('q-photo_premises').scrollIntoView()")
        self.shot(self.web, "photo")


class FinalizeTest(FlowTestCase):

    def test_finalize(self):
        """flows: finalize lists what is missing with links to each question, then finalizes once complete"""
        self.web.allow_error(r"/finalize - Failed to load resource: the server responded with a status of 422")
        record = self.start_inspection(BAR)
        self.answer(record, "team_members", "Đoàn 1")
        self.web.find("#finalize").click()
        summary = self.web.visible("#error-summary")
        self.shot(self.web, "missing")
        links = summary.find_elements("css selector", "a")
        missing = [m["question"] for m in self.form(self.web, self.ui, record)["missing"]]
        self.assertIn("visit_time", missing)
        self.assertNotIn("team_members", missing)
        hrefs = [a.get_attribute("href").split("#", 1)[1] for a in links]
        for question in missing:
            self.assertIn(f"q-{question}", hrefs, f"the summary has no link to {question}")
        # Each link leads to its question: it scrolls there and puts the focus in it (the first
        # three and the last, from the top of the page each time).
        for target in [h for h in hrefs if h.startswith("q-")][:3] + [h for h in hrefs if h.startswith("q-")][-1:]:
            self.web.script("window.scrollTo(0, 0)")
            self.web.find(f'#error-summary a[href="#{target}"]').click()
            self.web.wait(lambda d: d.execute_script(
                "const w = document.getElementById(arguments[0]);"
                "return !!w && w.contains(document.activeElement) ||"
                "  document.activeElement === w;", target), message=f"the link to {target} did not focus it")
            in_view = self.web.script(
                "const r = document.getElementById(arguments[0]).getBoundingClientRect();"
                "return r.top < window.innerHeight && r.bottom > 0;", target)
            self.assertTrue(in_view, f"{target} is not in view after its link")
        for qid, text in COMPLETE_BAR:
            self.type_answer(self.web, qid, text)
        self.wait_settled(self.web)
        answers = self.answers(self.web, self.ui, record)
        for qid, text in COMPLETE_BAR:
            self.assertEqual(answers[qid], SAVED_AS.get(text, text), qid)
        self.assertEqual(self.form(self.web, self.ui, record)["missing"], [])
        self.shot(self.web, "complete")
        self.web.find("#finalize").click()
        self.web.wait(lambda d: self.form(self.web, self.ui, record)["standing"]["code"] == "finalized",
                      message="the inspection was not finalized")
        self.web.gone("#finalize")
        self.web.gone("#error-summary")
        self.assertFalse(self.web.find_all("#q-team_members input, #q-team_members textarea"),
                         "a finalized inspection still offers fields to edit")
        self.shot(self.web, "finalized")


class CrashTest(BrowserTestCase):

    def test_kill_while_answering(self):
        """flows: fieldcheck ui killed with SIGKILL in the middle of answering keeps every answer it saved"""
        laptop = self.offline_laptop()
        ui = self.app(laptop)
        web = self.browser(check_origin=None)
        # The page's requests fail while the app is dead: those errors are the point.
        web.allow_error(r"ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|ERR_CONNECTION_RESET|Failed to fetch"
                        r"|status of 401")
        self.open_app(web, ui)
        self.go(web, f"#/establishment/{BAR}", "#start-inspection").click()
        web.wait(lambda d: re.search(r"#/record/[^/]+$", d.current_url))
        web.visible("[data-question]")
        record = urllib.parse.unquote(web.driver.current_url.rsplit("/", 1)[1])
        # Answers given one after the other without waiting for their saves; once the app has
        # acknowledged three, three more, then the next one half typed (not given yet), and the
        # app is killed right then (the save of the last one given may be in flight).
        for qid, text in COMPLETE_BAR[:4]:
            self.type_answer(web, qid, text, settle=False)
        web.wait(lambda d: len(saved_answers(web)) >= 3, message="the app did not acknowledge three answers")
        for qid, text in COMPLETE_BAR[4:7]:
            self.type_answer(web, qid, text, settle=False)
        half_typed = COMPLETE_BAR[7][0]
        field = web.find(f"#input-{half_typed}")
        web.script("arguments[0].scrollIntoView({block: 'center'})", field)
        field.click()
        field.send_keys("1")
        ui.kill()
        self.shot(web, "killed")
        acknowledged = saved_answers(web)
        print(f"acknowledged before the kill: {sorted(acknowledged)}")

        again = self.app(laptop)
        self.open_app(web, again)
        self.go(web, f"#/record/{record}", "[data-question]")
        self.shot(web, "reopened")
        kept = self.answers(web, again, record)
        for qid, text in acknowledged.items():
            with self.subTest(question=qid):
                self.assertEqual(kept[qid], SAVED_AS.get(text, text))
            # The page shows it too, in its field.
            with self.subTest(question=qid, shown=True):
                self.assertEqual(shown_answer(web, qid), SAVED_AS.get(text, text))
        self.assertEqual(web.foreign_requests(again.origin), [])


def shown_answer(browser, qid):
    """The answer question `qid`'s field shows: its value, or its ticked choices' codes joined by commas."""
    return browser.script(
        "const boxes = document.querySelectorAll(`#q-${arguments[0]} input[type=radio], #q-${arguments[0]} input[type=checkbox]`);"
        "if (boxes.length) return [...boxes].filter(b => b.checked).map(b => b.value).join(',');"
        "return document.getElementById('input-' + arguments[0]).value;", qid)


def saved_answers(browser):
    """Question -> text of every answer the page sent and the app acknowledged (200), in order;
    read from Chromium's network log (the request bodies and their responses)."""
    browser.drain_logs()
    sent = {}
    for event in browser.events:
        if event.get("method") == "Network.requestWillBeSent":
            request = event["params"]["request"]
            if request["url"].endswith("/answer") and request.get("postData"):
                sent[event["params"]["requestId"]] = json.loads(request["postData"])
    out = {}
    for response in browser.responses:
        body = sent.get(response["id"])
        if body and response["status"] == 200:
            out[body["question"]] = body["text"]
    return out


class TextAsTextTest(FlowTestCase):

    def test_typed_markup_stays_text(self):
        """flows: markup typed as an answer or an establishment's field is shown as text and makes no element"""
        record = self.start_inspection(BAR)
        self.answer(record, "team_members", INJECTION)
        self.answer(record, "notes", INJECTION)
        self.assertTrue(self.no_element_made_of(self.web, INJECTION))
        self.assertFalse(self.web.find_all("#fc-bold"))
        # Drawn again from what the app stored: the record, its print view, its history.
        for route, ready in ((f"#/record/{record}", "#q-team_members"), (f"#/record/{record}/print", "h1"),
                             (f"#/record/{record}/history", "h1")):
            self.go(self.web, "#/today", "#nav-today")
            self.go(self.web, route, ready)
            self.web.wait(lambda d: INJECTION in d.execute_script(
                "return document.querySelector('main').textContent + "
                "[...document.querySelectorAll('main input, main textarea')].map(e => e.value).join(' ')"),
                message=f"{route} does not show the typed text as text")
            self.assertTrue(self.no_element_made_of(self.web, INJECTION), route)
            self.assertFalse(self.web.find_all("#fc-bold"), route)
            # The screenshot shows where the text is.
            self.web.script(
                "const [text] = arguments;"
                "const field = [...document.querySelectorAll('main input, main textarea')].find(e => e.value === text);"
                "const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);"
                "let node; while ((node = walker.nextNode()) && !node.nodeValue.includes(text));"
                "const where = field || (node && node.parentElement);"
                "if (where) where.scrollIntoView({block: 'center'});", INJECTION)
            self.shot(self.web, route.strip("#/").replace("/", "-").replace(f"record-{record}", "record"))
        # An establishment's record corrected with the same text.
        self.go(self.web, f"#/establishment/{BAR}", "#start-inspection")
        self.web.find("details.correct summary").click()
        owner = self.web.visible("#fix-owner")
        owner.send_keys(Keys.CONTROL, "a")
        owner.send_keys(INJECTION)
        self.web.find("form.correct-form button[type=submit]").click()
        self.web.wait(lambda d: self.web.api(self.ui, "GET", f"/api/establishments/{BAR}").json()
                      and any(f.get("input") == INJECTION for f in
                              self.web.api(self.ui, "GET", f"/api/establishments/{BAR}").json()["fields"]),
                      message="the owner's name was not saved")
        self.go(self.web, "#/today", "#nav-today")
        self.go(self.web, f"#/establishment/{BAR}", "#start-inspection")
        self.assertTrue(self.no_element_made_of(self.web, INJECTION))
        self.assertFalse(self.web.find_all("#fc-bold"))
        # And the search box: what is typed there is shown back as text only.
        self.go(self.web, "#/establishments", "#search").send_keys(INJECTION)
        self.web.visible("#results-count")
        self.assertTrue(self.no_element_made_of(self.web, INJECTION))
        self.shot(self.web, "search-markup")
