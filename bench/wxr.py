#!/usr/bin/env python3
"""Generates a realistic WordPress export (WXR 1.2) of N posts, for benchmarking
`bantin import-wordpress`.

    python3 bench/wxr.py N OUTPUT.xml

This is the benchmark input for issue 13's target: import 20,000 posts in under 60 s
with peak RSS under 150 MB (N=20000 gives a file of about 117 MB in ~4 s). The output is
deterministic for a given N (seeded with random.Random(N), dates relative to a fixed
"now") and is written as it is generated, never held in memory.

What it holds, shaped like a Vietnamese provincial news site's export:
- ~20 authors, a 3-level tree of ~60 categories (parents before children, one name with
  an HTML entity as WordPress stores it), ~2,000 tags, two nav_menu terms;
- posts whose text is original, made of syllables with Vietnamese diacritics: classic
  editor content (blank-line paragraphs, stray single newlines, inline <strong>/<em>/<a>,
  [caption] and [gallery] shortcodes, &nbsp; paragraphs) and ~1 in 15 Gutenberg posts;
- ASCII slugs (diacritics removed, đ -> d) plus ~5% percent-encoded UTF-8 slugs in
  lowercase hex, unique across the export (-2, -3 on collision);
- statuses ~88% publish, 3% future, 4% draft (post_date_gmt 0000-00-00 00:00:00),
  2% pending, 1% private, 2% trash; dates spread over the last 6 years, GMT = local - 7 h;
- postmeta: views (~50%), post_views_count (~20%), _edit_last, _edit_lock, and
  _thumbnail_id (~60%) pointing at an attachment item emitted just before the post;
- ~1% pages, a few nav_menu_items and comments on ~5% of posts (the importer skips them);
- a rare literal "]]>" in content, split across CDATA sections as WordPress does.
"""

import sys
import time
import random
import unicodedata
from operator import itemgetter
from datetime import datetime, timedelta
from urllib.parse import quote, unquote

SITE = "https://baotinh.example.vn"
NOW = datetime(2025, 6, 1, 9, 0, 0)  # local time (UTC+7); fixed so output is reproducible
TZ = timedelta(hours=7)
ZERO_DATE = "0000-00-00 00:00:00"

# --- Words -----------------------------------------------------------------------------

ONSETS = ["", "b", "c", "ch", "d", "đ", "g", "gi", "h", "k", "kh", "l", "m", "n", "ng",
          "nh", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x"]
ONSET_WEIGHTS = [4, 5, 8, 6, 6, 7, 3, 4, 7, 2, 5, 6, 6, 6, 7, 6, 4, 3, 2, 4, 8, 8, 7, 6, 4]
# (nucleus, index of the vowel that carries the tone mark, may take a coda)
NUCLEI = [("a", 0, True), ("ă", 0, True), ("â", 0, True), ("e", 0, True), ("ê", 0, True),
          ("i", 0, True), ("o", 0, True), ("ô", 0, True), ("ơ", 0, True), ("u", 0, True),
          ("ư", 0, True), ("iê", 1, True), ("uô", 1, True), ("ươ", 1, True), ("oa", 1, True),
          ("ai", 0, False), ("ao", 0, False), ("oi", 0, False), ("ôi", 0, False),
          ("ơi", 0, False), ("ui", 0, False), ("ưa", 0, False), ("ia", 0, False),
          ("ua", 0, False), ("au", 0, False), ("ây", 0, False), ("êu", 0, False),
          ("ươi", 1, False), ("uy", 1, True), ("y", 0, False)]
CODAS = ["", "n", "ng", "t", "c", "m", "nh", "ch", "p"]
CODA_WEIGHTS = [10, 8, 8, 5, 4, 4, 4, 2, 2]
STOPS = {"t", "c", "ch", "p"}
# none, grave, acute, hook above, tilde, dot below
TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
TONE_WEIGHTS = [8, 5, 6, 3, 2, 5]


def syllable(rng):
    onset = rng.choices(ONSETS, ONSET_WEIGHTS)[0]
    nucleus, at, closable = rng.choice(NUCLEI)
    coda = rng.choices(CODAS, CODA_WEIGHTS)[0] if closable else ""
    if nucleus in ("ă", "â", "iê", "uô", "ươ") and not coda:
        coda = rng.choice(["n", "ng", "t", "m"])
    if coda in ("ch", "nh") and nucleus not in ("a", "ê", "i", "oa", "uy"):
        coda = rng.choice(["n", "ng"])
    if coda in STOPS:
        tone = rng.choice(["\u0301", "\u0323"])  # stopped syllables take sắc or nặng only
    else:
        tone = rng.choices(TONES, TONE_WEIGHTS)[0]
    front = nucleus[0] in "ieêy"
    if onset == "qu" and nucleus[0] in "uưoôi":
        onset = "t"
    elif onset == "gi" and nucleus[0] in "iu":
        onset = "d"
    elif onset == "k" and not front:
        onset = "c"
    elif onset == "c" and front:
        onset = "k"
    elif onset in ("g", "ng") and front:
        onset += "h"
    vowel = nucleus[:at] + unicodedata.normalize("NFC", nucleus[at] + tone) + nucleus[at + 1:]
    return onset + vowel + coda


def build_vocabulary(rng, size):
    """A sampling table of `size` distinct syllables: each appears in proportion to a
    Zipf-like frequency, the shortest ones (like "và", "là", "có") the most frequent."""
    words, seen = [], set()
    while len(words) < size:
        w = syllable(rng)
        if w not in seen:
            seen.add(w)
            words.append(w)
    short = [w for w in words if len(w) <= 3][:100]
    rest = [w for w in words if w not in set(short)]
    words = short + rest
    table = []
    for rank, w in enumerate(words, 1):
        table += [w] * max(1, round(60000 / (rank + 30)))
    # Exactly 2**16 entries, so that 16 random bits pick one word.
    return [table[i * len(table) >> 16] for i in range(1 << 16)]


def ascii_slug(text):
    text = text.replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    out, dash = [], False
    for c in text.lower():
        if c.isascii() and c.isalnum():
            out.append(c)
            dash = False
        elif not dash and out:
            out.append("-")
            dash = True
    return "".join(out).strip("-")


def percent_slug(words):
    """WordPress's sanitize_title for UTF-8 it keeps: percent-encoded, lowercase hex."""
    return quote("-".join(w.lower() for w in words), safe="-").lower()


def cdata(text):
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def esc(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def wp_date(d):
    return d.strftime("%Y-%m-%d %H:%M:%S")


def rfc822(d):
    return d.strftime("%a, %d %b %Y %H:%M:%S +0000")


class Gen:
    def __init__(self, n):
        self.n = n
        self.rng = random.Random(n)
        self.words = build_vocabulary(self.rng, 3000)
        self.slugs = set()
        self.next_id = 1
        self.next_comment = 1
        self.counts = {}

    # --- text ---

    def pick(self, k):
        """k words, drawn from one call for 16k random bits (fast in CPython)."""
        if k < 2:
            return [self.words[self.rng.getrandbits(16)]] if k else []
        bits = self.rng.getrandbits(16 * k).to_bytes(2 * k, sys.byteorder)
        return list(itemgetter(*memoryview(bits).cast("H"))(self.words))

    def phrase(self, lo, hi, cap=True):
        ws = self.pick(self.rng.randint(lo, hi))
        if cap:
            ws[0] = ws[0][0].upper() + ws[0][1:]
        return ws

    def title_words(self, lo=6, hi=12):
        ws = self.phrase(lo, hi)
        # Proper nouns (place names) are capitalised in Vietnamese headlines.
        if len(ws) > 3 and self.rng.random() < 0.5:
            i = self.rng.randrange(1, len(ws) - 1)
            ws[i] = ws[i][0].upper() + ws[i][1:]
            ws[i + 1] = ws[i + 1][0].upper() + ws[i + 1][1:]
        return ws

    def sentences(self, n_words):
        rng = self.rng
        ws = self.pick(n_words)
        out, i = [], 0
        while i < n_words:
            j = min(n_words, i + rng.randint(7, 18))
            if n_words - j < 4:
                j = n_words
            s = ws[i:j]
            s[0] = s[0][0].upper() + s[0][1:]
            if len(s) > 6 and rng.random() < 0.6:
                k = rng.randrange(2, len(s) - 2)
                s[k] += ","
            out.append(" ".join(s) + ("." if rng.random() < 0.95 else ":"))
            i = j
        return out

    def paragraph(self):
        rng = self.rng
        sents = self.sentences(round(rng.triangular(30, 90, 35)))
        text = " ".join(sents)
        r = rng.random()
        if r < 0.25:
            ws = text.split(" ")
            a = rng.randrange(0, max(1, len(ws) - 5))
            b = a + rng.randint(2, 5)
            kind = rng.random()
            if kind < 0.4:
                ws[a], ws[b - 1] = "<strong>" + ws[a], ws[b - 1] + "</strong>"
            elif kind < 0.7:
                ws[a], ws[b - 1] = "<em>" + ws[a], ws[b - 1] + "</em>"
            else:
                href = "https://example.vn/%s/%s-%d.html" % (
                    rng.choice(["tin-tuc", "xa-hoi", "kinh-te", "van-hoa", "the-thao"]),
                    ascii_slug(" ".join(self.pick(rng.randint(3, 7)))), rng.randint(1000, 999999))
                ws[a] = '<a href="%s"%s>%s' % (
                    href, ' target="_blank" rel="noopener"' if rng.random() < 0.3 else "", ws[a])
                ws[b - 1] += "</a>"
            text = " ".join(ws)
        if len(sents) > 1 and rng.random() < 0.15:
            # A single newline inside a paragraph (wpautop makes it a <br />).
            cut = text.find(". ", len(text) // 3)
            if cut > 0:
                text = text[:cut + 1] + "\n" + text[cut + 2:]
        if rng.random() < 0.0003:
            text += " Công thức: mảng[a[i]]>0 và b[c[j]]>1."
        return text

    def image(self, att_id):
        rng = self.rng
        y, m = rng.randint(2019, 2025), rng.randint(1, 12)
        src = "%s/wp-content/uploads/%d/%02d/anh-%d.jpg" % ("https://example.vn", y, m, att_id)
        alt = " ".join(self.pick(rng.randint(2, 6)))
        return src, alt

    def caption_classic(self, att_id):
        src, alt = self.image(att_id)
        return ('[caption id="attachment_%d" align="aligncenter" width="800"]<img class="size-full '
                'wp-image-%d" src="%s" alt="%s" width="800" height="533" /> %s[/caption]'
                % (att_id, att_id, src, alt, " ".join(self.phrase(5, 14))))

    def caption_block(self, att_id):
        src, alt = self.image(att_id)
        return ('<!-- wp:image {"id":%d,"sizeSlug":"large","linkDestination":"none"} -->\n'
                '<figure class="wp-block-image size-large"><img src="%s" alt="%s" class="wp-image-%d"/>'
                '<figcaption class="wp-element-caption">%s</figcaption></figure>\n<!-- /wp:image -->'
                % (att_id, src, alt, att_id, " ".join(self.phrase(5, 14))))

    def gallery(self):
        ids = sorted(self.rng.sample(range(1, max(10, self.next_id)), self.rng.randint(3, 8)))
        return '[gallery ids="%s"]' % ",".join(map(str, ids))

    def content(self, thumb):
        rng = self.rng
        paras = [self.paragraph() for _ in range(round(rng.triangular(4, 12, 4.5)))]
        gutenberg = rng.random() < 1 / 15
        if gutenberg:
            blocks = ["<!-- wp:paragraph -->\n<p>%s</p>\n<!-- /wp:paragraph -->" % p.replace("\n", "<br>")
                      for p in paras]
            if rng.random() < 0.3:
                blocks.insert(rng.randint(1, len(blocks)), '<!-- wp:heading -->\n<h2 class="wp-block-heading">%s</h2>\n<!-- /wp:heading -->'
                              % " ".join(self.phrase(4, 9)))
            if rng.random() < 0.1:
                blocks.insert(rng.randint(0, 2), self.caption_block(thumb or rng.randint(1, self.next_id)))
            if rng.random() < 0.05:
                blocks.append("<!-- wp:shortcode -->\n%s\n<!-- /wp:shortcode -->" % self.gallery())
            return "\n\n".join(blocks)
        if rng.random() < 0.1:
            paras.insert(rng.randint(0, 2), self.caption_classic(thumb or rng.randint(1, self.next_id)))
        if rng.random() < 0.05:
            paras.insert(rng.randint(len(paras) // 2, len(paras)), self.gallery())
        if rng.random() < 0.03:
            paras.insert(rng.randint(1, len(paras)), "&nbsp;")
        if rng.random() < 0.3:
            paras[-1] = "<strong>%s</strong>" % " ".join(self.phrase(2, 4))  # the byline
        return "\n\n".join(paras)

    # --- slugs ---

    def unique(self, base):
        # Compared percent-decoded, as the importer sees them.
        slug, k = base, 2
        while unquote(slug) in self.slugs:
            slug = "%s-%d" % (base, k)
            k += 1
        self.slugs.add(unquote(slug))
        return slug

    def post_slug(self, title_ws):
        if self.rng.random() < 0.05:
            return self.unique(percent_slug(title_ws))
        return self.unique(ascii_slug(" ".join(title_ws))[:190].strip("-"))

    # --- declarations ---

    def authors(self):
        rng = self.rng
        family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
                  "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
        middle = ["Văn", "Thị", "Đức", "Minh", "Thanh", "Ngọc", "Quốc", "Hữu", "Thu", "Kim"]
        given = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hùng",
                 "Huyền", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phương", "Quân",
                 "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến", "Đạt", "Thắng", "Hương"]
        out, logins = [], set()
        for i in range(20):
            f, mi, g = rng.choice(family), rng.choice(middle), rng.choice(given)
            login = ascii_slug(f + mi + g).replace("-", "") if i else "admin"
            while login in logins:
                login += str(rng.randint(1, 9))
            logins.add(login)
            display = "Ban biên tập" if i == 0 else ("%s %s %s" % (f, mi, g) if rng.random() < 0.8 else "PV " + g)
            out.append((i + 1, login, display, f, mi + " " + g))
        self.author_list = out
        self.author_cum = []
        t = 0.0
        for r in range(1, len(out) + 1):
            t += 1.0 / r
            self.author_cum.append(t)
        return out

    def categories(self):
        rng = self.rng
        tops = ["Thời sự", "Kinh tế", "Xã hội", "Văn hóa", "Thể thao", "Pháp luật", "Giáo dục",
                "Nông nghiệp"]
        cats, used = [], set()  # (term_id, slug, name, parent_slug)
        tid = 1

        def add(name, parent, slug=None):
            nonlocal tid
            base = slug or ascii_slug(name)
            s, k = base, 2
            while s in used:
                s, k = "%s-%d" % (base, k), k + 1
            used.add(s)
            cats.append((tid, s, name, parent))
            tid += 1
            return s

        level1 = [add(n, "") for n in tops]
        add("Kinh tế &amp; Đời sống", "", "kinh-te-doi-song")  # WordPress stores term names HTML-escaped
        level2 = []
        for p in level1:
            for _ in range(rng.randint(3, 4)):
                ws = self.phrase(1, 3)
                slug = percent_slug(ws) if rng.random() < 0.05 else None
                level2.append(add(" ".join(ws), p, slug))
        while len(cats) < 60:
            p = rng.choice(level2)
            add(" ".join(self.phrase(2, 3)), p)
        self.cats = cats
        self.leaf_cats = [c for c in cats if c[3]]
        return cats

    def tags(self):
        rng = self.rng
        tags, used = [], set()
        tid = 1000
        while len(tags) < 2000:
            ws = self.pick(rng.choices([1, 2, 3, 4], [1, 6, 3, 1])[0])
            name = " ".join(ws)
            slug = percent_slug(ws) if rng.random() < 0.05 else ascii_slug(name)
            if slug in used or not slug:
                continue
            used.add(slug)
            tags.append((tid, slug, name))
            tid += 1
        self.tag_list = tags
        self.tag_cum, t = [], 0.0
        for r in range(1, len(tags) + 1):
            t += 1.0 / r ** 0.8
            self.tag_cum.append(t)
        return tags

    # --- items ---

    def count(self, post_type, status):
        key = (post_type, status)
        self.counts[key] = self.counts.get(key, 0) + 1

    def item(self, out, *, pid, title, link, creator, content, excerpt, date, date_gmt, modified,
             slug, status, parent, menu_order, post_type, terms=(), meta=(), comments=(),
             attachment_url=None, comment_status="open", sticky=0):
        self.count(post_type, status)
        gmt = wp_date(date_gmt) if date_gmt else ZERO_DATE
        parts = [
            "\n\t<item>\n\t\t<title>", cdata(title), "</title>\n\t\t<link>", esc(link),
            "</link>\n\t\t<pubDate>", rfc822(date_gmt) if date_gmt else "Mon, 30 Nov -0001 00:00:00 +0000",
            "</pubDate>\n\t\t<dc:creator>", cdata(creator),
            "</dc:creator>\n\t\t<guid isPermaLink=\"false\">", esc(attachment_url or "%s/?p=%d" % (SITE, pid)),
            "</guid>\n\t\t<description></description>\n\t\t<content:encoded>", cdata(content),
            "</content:encoded>\n\t\t<excerpt:encoded>", cdata(excerpt),
            "</excerpt:encoded>\n\t\t<wp:post_id>%d</wp:post_id>" % pid,
            "\n\t\t<wp:post_date>", cdata(wp_date(date)), "</wp:post_date>",
            "\n\t\t<wp:post_date_gmt>", cdata(gmt), "</wp:post_date_gmt>",
            "\n\t\t<wp:post_modified>", cdata(wp_date(modified)), "</wp:post_modified>",
            "\n\t\t<wp:post_modified_gmt>", cdata(wp_date(modified - TZ)), "</wp:post_modified_gmt>",
            "\n\t\t<wp:comment_status>", cdata(comment_status), "</wp:comment_status>",
            "\n\t\t<wp:ping_status>", cdata("closed"), "</wp:ping_status>",
            "\n\t\t<wp:post_name>", cdata(slug), "</wp:post_name>",
            "\n\t\t<wp:status>", cdata(status), "</wp:status>",
            "\n\t\t<wp:post_parent>%d</wp:post_parent>" % parent,
            "\n\t\t<wp:menu_order>%d</wp:menu_order>" % menu_order,
            "\n\t\t<wp:post_type>", cdata(post_type), "</wp:post_type>",
            "\n\t\t<wp:post_password>", cdata(""), "</wp:post_password>",
            "\n\t\t<wp:is_sticky>%d</wp:is_sticky>" % sticky,
        ]
        if attachment_url:
            parts += ["\n\t\t<wp:attachment_url>", cdata(attachment_url), "</wp:attachment_url>"]
        for domain, nicename, name in terms:
            parts += ['\n\t\t<category domain="%s" nicename="%s">' % (domain, esc(nicename)),
                      cdata(name), "</category>"]
        for key, value in meta:
            parts += ["\n\t\t<wp:postmeta>\n\t\t\t<wp:meta_key>", cdata(key),
                      "</wp:meta_key>\n\t\t\t<wp:meta_value>", cdata(value),
                      "</wp:meta_value>\n\t\t</wp:postmeta>"]
        parts += comments
        parts.append("\n\t</item>")
        out.write("".join(parts))

    def attachment(self, out, pid, parent, date, creator):
        rng = self.rng
        date = min(date, NOW) - timedelta(seconds=rng.randint(60, 3 * 86400))  # uploaded first
        y, m = date.year, date.month
        name = "anh-%d" % pid
        url = "%s/wp-content/uploads/%d/%02d/%s.jpg" % (SITE, y, m, name)
        w, h = rng.choice([(1200, 800), (1600, 1067), (800, 533), (1280, 720), (2048, 1365)])
        file = "%d/%02d/%s.jpg" % (y, m, name)
        sizes = "".join(
            's:%d:"%s";a:4:{s:4:"file";s:%d:"%s";s:5:"width";i:%d;s:6:"height";i:%d;s:9:"mime-type";s:10:"image/jpeg";}'
            % (len(sz), sz, len("%s-%dx%d.jpg" % (name, sw, sh)), "%s-%dx%d.jpg" % (name, sw, sh), sw, sh)
            for sz, sw, sh in [("thumbnail", 150, 150), ("medium", 300, 300 * h // w), ("large", 1024, 1024 * h // w)])
        meta_blob = ('a:5:{s:5:"width";i:%d;s:6:"height";i:%d;s:4:"file";s:%d:"%s";s:5:"sizes";a:3:{%s}'
                     's:10:"image_meta";a:0:{}}' % (w, h, len(file), file, sizes))
        alt = " ".join(self.pick(rng.randint(3, 8))) if rng.random() < 0.6 else ""
        meta = [("_wp_attached_file", file), ("_wp_attachment_metadata", meta_blob)]
        if alt:
            meta.append(("_wp_attachment_image_alt", alt))
        self.item(out, pid=pid, title=name, link="%s/%s/" % (SITE, name), creator=creator,
                  content="", excerpt=" ".join(self.pick(rng.randint(4, 10))) if rng.random() < 0.4 else "",
                  date=date, date_gmt=date - TZ, modified=date, slug=self.unique(name), status="inherit",
                  parent=parent, menu_order=0, post_type="attachment", meta=meta,
                  attachment_url=url, comment_status="open")

    def comments(self, post_date):
        rng = self.rng
        out = []
        for i in range(rng.randint(1, 3)):
            cid = self.next_comment
            self.next_comment += 1
            d = post_date + timedelta(minutes=rng.randint(5, 60 * 24 * 10))
            author = " ".join(self.phrase(1, 3))
            text = " ".join(self.sentences(rng.randint(8, 40)))
            out.append(
                "\n\t\t<wp:comment>\n\t\t\t<wp:comment_id>%d</wp:comment_id>"
                "\n\t\t\t<wp:comment_author>%s</wp:comment_author>"
                "\n\t\t\t<wp:comment_author_email>%s</wp:comment_author_email>"
                "\n\t\t\t<wp:comment_author_url>%s</wp:comment_author_url>"
                "\n\t\t\t<wp:comment_author_IP>%s</wp:comment_author_IP>"
                "\n\t\t\t<wp:comment_date>%s</wp:comment_date>"
                "\n\t\t\t<wp:comment_date_gmt>%s</wp:comment_date_gmt>"
                "\n\t\t\t<wp:comment_content>%s</wp:comment_content>"
                "\n\t\t\t<wp:comment_approved>%s</wp:comment_approved>"
                "\n\t\t\t<wp:comment_type>%s</wp:comment_type>"
                "\n\t\t\t<wp:comment_parent>%d</wp:comment_parent>"
                "\n\t\t\t<wp:comment_user_id>0</wp:comment_user_id>\n\t\t</wp:comment>"
                % (cid, cdata(author), cdata("%s%d@example.vn" % (ascii_slug(author).replace("-", ""), cid)),
                   cdata(""), cdata("203.113.%d.%d" % (rng.randint(0, 255), rng.randint(1, 254))),
                   cdata(wp_date(d)), cdata(wp_date(d - TZ)), cdata(text),
                   cdata(rng.choice(["1", "1", "1", "0", "spam"])), cdata("comment"),
                   cid - 1 if i and rng.random() < 0.3 else 0))
        return out

    def new_id(self):
        pid = self.next_id
        self.next_id += rng_step(self.rng)
        return pid

    def post(self, out):
        rng = self.rng
        r = rng.random()
        status = ("publish" if r < 0.88 else "future" if r < 0.91 else "draft" if r < 0.95 else
                  "pending" if r < 0.97 else "private" if r < 0.98 else "trash")
        if status == "future":
            date = NOW + timedelta(seconds=rng.randint(3600, 365 * 86400))
        else:
            date = NOW - timedelta(seconds=rng.randint(0, 6 * 365 * 86400))
        date = date.replace(second=0) if rng.random() < 0.7 else date
        date_gmt = None if status == "draft" else date - TZ
        modified = date + timedelta(seconds=int(rng.expovariate(1 / 86400))) if rng.random() < 0.6 else date
        if modified > NOW and status != "future":
            modified = NOW
        author = rng.choices(self.author_list, cum_weights=self.author_cum)[0]
        title_ws = self.title_words()
        title = " ".join(title_ws)
        if rng.random() < 0.05:
            title = title.replace(" ", " &#8211; ", 1) if rng.random() < 0.5 else "&#8220;%s&#8221;" % title

        thumb = None
        if rng.random() < 0.6:
            thumb = self.new_id()
        pid = self.new_id()
        if thumb:
            self.attachment(out, thumb, pid, date, author[1])

        slug = self.post_slug(title_ws)
        if status == "trash":
            slug = self.unique(slug + "__trashed")
        link = "%s/%s/" % (SITE, slug) if status == "publish" else "%s/?p=%d" % (SITE, pid)

        terms = []
        chosen = {rng.choice(self.leaf_cats) if rng.random() < 0.85 else rng.choice(self.cats)
                  for _ in range(rng.choice([1, 1, 1, 2]))}
        for c in sorted(chosen):
            terms.append(("category", c[1], c[2]))
        tags = {t for t in rng.choices(self.tag_list, cum_weights=self.tag_cum,
                                       k=rng.choices([0, 1, 2, 3, 4, 5], [15, 15, 25, 25, 12, 8])[0])}
        for t in sorted(tags):
            terms.append(("post_tag", t[1], t[2]))
        if rng.random() < 0.05:
            terms.append(("post_format", "post-format-" + rng.choice(["video", "gallery", "image"]),
                          rng.choice(["Video", "Gallery", "Image"])))

        meta = [("_edit_last", str(author[0]))]
        if rng.random() < 0.7:
            meta.append(("_edit_lock", "%d:%d" % (int(modified.timestamp()), author[0])))
        if thumb:
            meta.append(("_thumbnail_id", str(thumb)))
        if rng.random() < 0.5:
            meta.append(("views", str(int(200000 * rng.random() ** 6))))
        if rng.random() < 0.2:
            meta.append(("post_views_count", str(int(200000 * rng.random() ** 6))))
        if rng.random() < 0.02:
            meta.append(("_wp_old_slug", ascii_slug(" ".join(self.pick(rng.randint(5, 10))))))
        if status == "trash":
            meta += [("_wp_trash_meta_status", "publish"),
                     ("_wp_trash_meta_time", str(int(NOW.timestamp()) - rng.randint(0, 10**7)))]

        excerpt = "" if rng.random() < 0.3 else " ".join(self.sentences(rng.randint(20, 45)))
        content = self.content(thumb)
        comments = self.comments(date) if status == "publish" and rng.random() < 0.05 else ()
        self.item(out, pid=pid, title=title, link=link, creator=author[1], content=content,
                  excerpt=excerpt, date=date, date_gmt=date_gmt, modified=modified, slug=slug,
                  status=status, parent=0, menu_order=0, post_type="post", terms=terms, meta=meta,
                  comments=comments, sticky=1 if rng.random() < 0.002 else 0)

    def page(self, out):
        rng = self.rng
        pid = self.new_id()
        ws = self.title_words(2, 5)
        date = NOW - timedelta(seconds=rng.randint(0, 6 * 365 * 86400))
        slug = self.unique(ascii_slug(" ".join(ws)))
        content = "\n\n".join(self.paragraph() for _ in range(rng.randint(1, 5)))
        self.item(out, pid=pid, title=" ".join(ws), link="%s/%s/" % (SITE, slug),
                  creator=self.author_list[0][1], content=content, excerpt="", date=date,
                  date_gmt=date - TZ, modified=date, slug=slug, status="publish", parent=0,
                  menu_order=rng.randint(0, 10), post_type="page", comment_status="closed",
                  meta=[("_edit_last", "1"), ("_wp_page_template", "default")])

    def menu_item(self, out, order):
        rng = self.rng
        pid = self.new_id()
        cat = rng.choice(self.cats)
        date = NOW - timedelta(days=rng.randint(300, 2000))
        menu = "menu-chinh" if order % 3 else "menu-chan-trang"
        meta = [("_menu_item_type", "taxonomy"), ("_menu_item_menu_item_parent", "0"),
                ("_menu_item_object_id", str(cat[0])), ("_menu_item_object", "category"),
                ("_menu_item_target", ""), ("_menu_item_classes", 'a:1:{i:0;s:0:"";}'),
                ("_menu_item_xfn", ""), ("_menu_item_url", "")]
        self.item(out, pid=pid, title="", link="%s/?p=%d" % (SITE, pid), creator="admin", content=" ",
                  excerpt="", date=date, date_gmt=date - TZ, modified=date, slug=str(pid),
                  status="publish", parent=0, menu_order=order, post_type="nav_menu_item",
                  terms=[("nav_menu", menu, "Menu chính" if order % 3 else "Menu chân trang")],
                  meta=meta, comment_status="closed")

    def run(self, out):
        authors, cats, tags = self.authors(), self.categories(), self.tags()
        out.write('<?xml version="1.0" encoding="UTF-8" ?>\n'
                  "<!-- This is a WordPress eXtended RSS file generated by WordPress as an export of your site. -->\n"
                  "<!-- generator=\"WordPress/6.5.3\" created=\"%s\" -->\n" % NOW.strftime("%Y-%m-%d %H:%M")
                  + '<rss version="2.0"\n\txmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"\n'
                  '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
                  '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
                  '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
                  '\txmlns:wp="http://wordpress.org/export/1.2/"\n>\n\n<channel>\n'
                  "\t<title>Báo Tỉnh Điện Tử</title>\n\t<link>%s</link>\n"
                  "\t<description>Tin tức thời sự, kinh tế, xã hội của tỉnh</description>\n"
                  "\t<pubDate>%s</pubDate>\n\t<language>vi</language>\n"
                  "\t<wp:wxr_version>1.2</wp:wxr_version>\n"
                  "\t<wp:base_site_url>%s</wp:base_site_url>\n"
                  "\t<wp:base_blog_url>%s</wp:base_blog_url>\n\n"
                  % (SITE, rfc822(NOW - TZ), SITE, SITE))
        for aid, login, display, first, last in authors:
            out.write("\t<wp:author><wp:author_id>%d</wp:author_id><wp:author_login>%s</wp:author_login>"
                      "<wp:author_email>%s</wp:author_email><wp:author_display_name>%s</wp:author_display_name>"
                      "<wp:author_first_name>%s</wp:author_first_name><wp:author_last_name>%s</wp:author_last_name>"
                      "</wp:author>\n" % (aid, cdata(login), cdata(login + "@baotinh.example.vn"),
                                          cdata(display), cdata(first), cdata(last)))
        out.write("\n")
        for tid, slug, name, parent in cats:
            out.write("\t<wp:category>\n\t\t<wp:term_id>%d</wp:term_id>\n"
                      "\t\t<wp:category_nicename>%s</wp:category_nicename>\n"
                      "\t\t<wp:category_parent>%s</wp:category_parent>\n"
                      "\t\t<wp:cat_name>%s</wp:cat_name>\n\t</wp:category>\n"
                      % (tid, cdata(slug), cdata(parent), cdata(name)))
        for tid, slug, name in tags:
            out.write("\t<wp:tag>\n\t\t<wp:term_id>%d</wp:term_id>\n\t\t<wp:tag_slug>%s</wp:tag_slug>\n"
                      "\t\t<wp:tag_name>%s</wp:tag_name>\n\t</wp:tag>\n" % (tid, cdata(slug), cdata(name)))
        for tid, slug, name in [(5001, "menu-chinh", "Menu chính"), (5002, "menu-chan-trang", "Menu chân trang")]:
            out.write("\t<wp:term>\n\t\t<wp:term_id>%d</wp:term_id>\n\t\t<wp:term_taxonomy>%s</wp:term_taxonomy>\n"
                      "\t\t<wp:term_slug>%s</wp:term_slug>\n\t\t<wp:term_parent>%s</wp:term_parent>\n"
                      "\t\t<wp:term_name>%s</wp:term_name>\n\t</wp:term>\n"
                      % (tid, cdata("nav_menu"), cdata(slug), cdata(""), cdata(name)))
        out.write("\n\t<generator>https://wordpress.org/?v=6.5.3</generator>\n")

        rng = self.rng
        n_pages = max(1, self.n // 100)
        n_menu = min(12, 4 + self.n // 2000)
        menu_at = set(rng.sample(range(self.n), min(self.n, n_menu)))
        page_at = set(rng.sample(range(self.n), min(self.n, n_pages)))
        order = 0
        for i in range(self.n):
            if i in page_at:
                self.page(out)
            if i in menu_at:
                order += 1
                self.menu_item(out, order)
            self.post(out)
        out.write("\n</channel>\n</rss>\n")


def rng_step(rng):
    # Ids increase with gaps, as revisions, autosaves and deleted posts leave them.
    return 1 if rng.random() < 0.7 else rng.randint(2, 6)


def main():
    if len(sys.argv) != 3 or not sys.argv[1].isdigit():
        sys.exit("usage: python3 bench/wxr.py N OUTPUT.xml")
    n, path = int(sys.argv[1]), sys.argv[2]
    start = time.monotonic()
    gen = Gen(n)
    with open(path, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
        gen.run(out)
    took = time.monotonic() - start
    summary = ", ".join("%s/%s %d" % (t, s, c) for (t, s), c in sorted(gen.counts.items()))
    print("wrote %s: %d posts in %.1f s (%s)" % (path, n, took, summary), file=sys.stderr)


if __name__ == "__main__":
    main()
