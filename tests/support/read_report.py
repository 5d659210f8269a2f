#!/usr/bin/env python3
"""Reads the plan report's HTML page back for the tests, with Python's own HTML parser: the parts
of a Vietnamese administrative report found by where they stand in the page's structure. Prints
JSON: the issuing body's lines and the number line (left cell of the heading table), the national
name and motto and whether the motto is underlined, the place-date line and whether it is in
italics (right cell), the title, the line on what the figures leave out, each district's section
of establishments not yet inspected in page order with their codes, the districts as an
independent Vietnamese sort (letters by the Vietnamese alphabet, tones only between otherwise
equal names: no ICU) would order them, "Nơi nhận" and its lines, the signature block, and the
page's visible text. Exits 1 with the reason when a part is missing or the page malformed."""
import html.parser
import json
import sys
import unicodedata

VOID = {"meta", "br", "hr", "img", "input", "link", "col", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def classes(self):
        return (self.attrs.get("class") or "").split()

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def find_all(self, test):
        for c in self.children:
            if isinstance(c, Node):
                if test(c):
                    yield c
                yield from c.find_all(test)

    def find(self, test, what):
        for n in self.find_all(test):
            return n
        raise ValueError("the page has no " + what)

    def inside(self, tag):
        n = self.parent
        while n is not None:
            if n.tag == tag:
                return True
            n = n.parent
        return False


class Tree(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        n = self.current
        while n is not None and n.tag != tag:
            n = n.parent
        if n is None:
            raise ValueError("</%s> closes nothing" % tag)
        self.current = n.parent

    def handle_data(self, data):
        self.current.children.append(data)


def by_class(name):
    return lambda n: name in n.classes()


def clean(text):
    return " ".join(text.replace("\xa0", " ").split())


# The Vietnamese alphabet: a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y. A letter
# with a vowel mark is its own letter; the five tone marks only break ties.
TONES = {"\u0300": 1, "\u0301": 2, "\u0303": 3, "\u0309": 4, "\u0323": 5}
SHAPES = {("a", "\u0306"): "a1", ("a", "\u0302"): "a2", ("e", "\u0302"): "e1", ("o", "\u0302"): "o1",
          ("o", "\u031b"): "o2", ("u", "\u031b"): "u1"}


def vi_key(text):
    letters, tones = [], []
    for ch in unicodedata.normalize("NFC", text.lower()):
        parts = unicodedata.normalize("NFD", ch)
        base, marks = parts[0], parts[1:]
        letter = "d1" if ch == "đ" else base + "0"
        tone = 0
        for m in marks:
            if m in TONES:
                tone = TONES[m]
            elif (base, m) in SHAPES:
                letter = SHAPES[(base, m)]
        letters.append(letter)
        tones.append(tone)
    return (letters, tones)


def main():
    page = open(sys.argv[1], encoding="utf-8").read()
    tree = Tree()
    try:
        tree.feed(page)
        tree.close()
        root = tree.root
        heading = root.find(lambda n: n.tag == "table" and "heading" in n.classes(), "heading table")
        row = heading.find(lambda n: n.tag == "tr", "heading row")
        cells = [c for c in row.children if isinstance(c, Node) and c.tag == "td"]
        if len(cells) != 2:
            raise ValueError("the heading has %d cells, not 2" % len(cells))
        left, right = cells
        number = left.find(by_class("number"), "number line")
        issuer = [clean(n.text()) for n in left.find_all(lambda n: n.tag == "div" and n is not number)]
        motto = right.find(by_class("tieu-ngu"), "motto")
        place_date = right.find(by_class("place-date"), "place-date line")
        pending = []
        for section in root.find_all(by_class("district-pending")):
            title = clean(section.find(lambda n: n.tag == "h3", "district name").text())
            pending.append({"district": title[: title.rfind(" (")] if " (" in title else title,
                            "codes": [clean(c.text()) for c in section.find_all(by_class("code"))]})
        signing = root.find(lambda n: n.tag == "table" and "signing" in n.classes(), "signing table")
        recipients = signing.find(by_class("recipients"), "recipients")
        signature = signing.find(by_class("signature"), "signature block")
        receivers_heading = recipients.find(lambda n: n.tag == "b", "Nơi nhận heading")
        result = {
            "issuer": issuer,
            "number": clean(number.text()),
            "quoc_hieu": clean(right.find(by_class("quoc-hieu"), "national name").text()),
            "tieu_ngu": clean(motto.text()),
            "tieu_ngu_underlined": any(True for _ in motto.find_all(lambda n: n.tag == "u")),
            "place_date": clean(place_date.text()),
            "place_date_italic": any(True for _ in place_date.find_all(lambda n: n.tag == "i")),
            "title": clean(root.find(lambda n: n.tag == "h1", "title").text()),
            "left_out": clean(root.find(by_class("left-out"), "left-out line").text()),
            "pending": pending,
            "pending_in_vietnamese_order": sorted((p["district"] for p in pending), key=vi_key),
            "pending_in_byte_order": sorted(p["district"] for p in pending),
            "recipients_heading": clean(receivers_heading.text()),
            "recipients_at_left": recipients is [c for c in signing.find_all(lambda n: n.tag == "td")][0],
            "recipients": [clean(li.text()) for li in recipients.find_all(lambda n: n.tag == "li")],
            "signature": clean(signature.text()),
            "has_script": any(True for _ in root.find_all(lambda n: n.tag == "script")),
            "text": clean(root.find(lambda n: n.tag == "body", "body").text()),
        }
    except Exception as error:  # the reason is what the test shows
        print("%s: %s" % (type(error).__name__, error), file=sys.stderr)
        return 1
    json.dump(result, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
