#!/usr/bin/env python3
"""Build embedrs benchmark corpus B: real English prose from Debian 12 (bookworm)
packages that the main benchmark corpus (shared/corpora/build_corpus.sh) does NOT use.

Usage:  nice -n 19 python3 build.py [--work WORK] [--out OUT] [--seed 1] [--no-download]

Needs only apt-get download + dpkg -x (no root, nothing installed system-wide;
an 'apt-get update' must have been run) and the Python standard library.
Normalisation is the same as build_corpus.sh (its norm/codey/emit/HTML/reST/
fortune helpers are copied verbatim below): Unicode NFKD, accents dropped,
lowercase, every maximal run of a-z is a token (digits dropped), markup
removed, code-like lines and lines with < 3 tokens (< 4 for HTML) dropped,
exact duplicate lines removed, lines shuffled with random.Random(seed).
"""
import argparse, glob, gzip, html, html.parser, json, os, random, re, struct, subprocess, sys, unicodedata, zlib
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("--work", default=os.path.join(HERE, "work"))
ap.add_argument("--out", default=HERE)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--no-download", action="store_true")
args = ap.parse_args()
work, out_dir, seed = args.work, args.out, args.seed
X = os.path.join(work, "x")
DEBS = os.path.join(work, "debs")

WESNOTH = ["wesnoth-1.16-data"] + ["wesnoth-1.16-" + c for c in
           "did dm dw ei httt l low nr sof sota sotbe thot trow tsg ttb utbs".split()]
PACKAGES = ["sword-comm-tdavid", "sword-comm-mhcc", "libreoffice-help-en-us", "gnome-user-docs",
            "lilypond-doc-html", "kicad-doc-en", "debian-policy", "endless-sky-data",
            "cataclysm-dda-data", "crawl-common", "freeciv-data", "fortune-anarchism",
            "gnucash-docs", "freedroidrpg-data", "naev-data", "kstars-data", "lyx-common",
            "stellarium-data", "debian-reference-en"] + WESNOTH
# big packages: extract only the members used (dpkg-deb --fsys-tarfile | tar -x PATTERNS)
PARTIAL = {
    "gnucash-docs": ["./usr/share/doc/gnucash-docs/*"],
    "freedroidrpg-data": ["*/dialogs/*", "./usr/share/doc/*"],
    "naev-data": ["./usr/share/naev/dat/missions/*", "./usr/share/naev/dat/events/*", "./usr/share/naev/dat/assets/*",
                  "./usr/share/naev/dat/outfits/*", "./usr/share/naev/dat/ships/*", "./usr/share/doc/*"],
    "kstars-data": ["./usr/share/doc/HTML/en/*", "./usr/share/doc/kstars-data/*"],
    "stellarium-data": ["./usr/share/stellarium/skycultures/*/description.en.utf8",
                        "./usr/share/stellarium/landscapes/*/description.en.utf8", "./usr/share/doc/*"],
    "lyx-common": ["./usr/share/lyx/doc/*.lyx", "./usr/share/doc/lyx-common/*"],
}

# ---------------------------------------------------------------- fetch + extract
os.makedirs(DEBS, exist_ok=True); os.makedirs(X, exist_ok=True)
versions = []
for p in PACKAGES:
    have = glob.glob(os.path.join(DEBS, p + "_*.deb"))
    if not have:
        if args.no_download:
            sys.exit("missing " + p)
        subprocess.run(["apt-get", "download", p], cwd=DEBS, check=True)
        have = glob.glob(os.path.join(DEBS, p + "_*.deb"))
    deb = sorted(have)[-1]
    ver = subprocess.run(["dpkg-deb", "-f", deb, "Version"], capture_output=True, text=True, check=True).stdout.strip()
    versions.append((p, ver))
    stamp = os.path.join(work, "extracted." + p)
    if not os.path.exists(stamp):
        if p in PARTIAL:
            subprocess.run("dpkg-deb --fsys-tarfile '%s' | tar -x -C '%s' --wildcards %s" % (
                deb, X, " ".join("'%s'" % g for g in PARTIAL[p])), shell=True, check=True)
        else:
            subprocess.run(["dpkg", "-x", deb, X], check=True)
        open(stamp, "w").close()
S = os.path.join(X, "usr/share")

# ---------------------------------------------------------------- shared helpers (from build_corpus.sh)
TOK = re.compile(r"[a-z]+")

def norm(text):
    """text8-style: NFKD, drop accents, lowercase, letter runs only."""
    t = unicodedata.normalize("NFKD", text)
    t = t.encode("ascii", "ignore").decode("ascii").lower()
    return TOK.findall(t)

def codey(line):
    """True if a raw line looks like code/data rather than prose."""
    s = line.strip()
    if not s:
        return True
    letters = sum(c.isalpha() for c in s)
    nonspace = sum(not c.isspace() for c in s)
    if letters < 0.6 * nonspace:
        return True
    if re.search(r"[;{}]\s*$|^\s*(#include|#define|\$ |>>> |\.\.\. )|(==|!=|->|::|&&|\|\|)", s) and letters < 0.8 * nonspace:
        return True
    return False

def emit(out, text, min_tok=3):
    toks = norm(text)
    if len(toks) >= min_tok:
        out.append(" ".join(toks))

RST_ROLE = re.compile(r":[\w:+-]+:`([^`]*)`")
def rst_text(text):
    """Prose paragraphs of a reStructuredText document."""
    out = []
    lines = text.split("\n")
    i, n = 0, len(lines)
    para = []
    def flush():
        if para:
            p = " ".join(para)
            p = RST_ROLE.sub(lambda m: re.sub(r"<[^>]*>", "", m.group(1)), p)
            p = re.sub(r"`([^`<]*)(?:<[^>]*>)?`_*", r"\1", p)
            p = re.sub(r"https?://\S+", " ", p)
            p = p.replace("**", " ").replace("``", " ")
            emit(out, p)
        para.clear()
    def skip_block(j, base):
        while j < n and (not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > base):
            j += 1
        return j
    while i < n:
        ln = lines[i]
        s = ln.strip()
        ind = len(ln) - len(ln.lstrip())
        if not s:
            flush(); i += 1; continue
        if re.match(r"^([=\-~^*+#`'\":.])\1{2,}\s*$", s) or s.startswith("+--") or s.startswith("+=="):
            flush(); i += 1; continue
        if s.startswith("|"):
            flush(); i += 1; continue
        if s.startswith(".. "):
            flush()
            m = re.match(r"\.\.\s+([\w-]+)::\s*(.*)", s)
            keep = m and m.group(1) in ("note", "warning", "attention", "caution", "important", "tip", "hint", "admonition", "seealso", "versionadded", "versionchanged", "deprecated", "danger")
            if keep:
                if m.group(2): para.append(m.group(2))
                i += 1
                continue
            i = skip_block(i + 1, ind)
            continue
        if s.endswith("::"):
            para.append(s[:-2])
            flush()
            i = skip_block(i + 1, ind)
            continue
        if codey(ln):
            flush(); i += 1; continue
        para.append(s)
        i += 1
    flush()
    return out

class HTMLText(html.parser.HTMLParser):
    BLOCK = {"p", "div", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "tr",
             "br", "table", "ul", "ol", "dl", "blockquote", "title", "section", "header", "footer", "nav"}
    SKIP = {"pre", "script", "style", "head"}
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.buf, self.paras, self.skip = [], [], 0
    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP: self.skip += 1
        elif tag in self.BLOCK: self.flush()
    def handle_endtag(self, tag):
        if tag in self.SKIP: self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCK: self.flush()
    def handle_data(self, d):
        if not self.skip: self.buf.append(d)
    def flush(self):
        if self.buf:
            self.paras.append(" ".join("".join(self.buf).split()))
        self.buf = []

def html_files(files, parser=HTMLText, min_tok=4):
    out = []
    for f in files:
        p = parser()
        p.feed(open(f, encoding="utf-8", errors="replace").read()); p.flush()
        for para in p.paras:
            para = re.sub(r"https?://\S+|ftp://\S+|www\.\S+", " ", para)
            if not codey(para):
                emit(out, para, min_tok=min_tok)
    return out

def plain_paras(text, out, min_tok=3):
    """Blank-line separated paragraphs of plain text; code-like lines dropped."""
    for para in re.split(r"\n\s*\n", text):
        lines = [l for l in para.split("\n") if not codey(l)]
        if lines:
            emit(out, " ".join(lines), min_tok)

# ---------------------------------------------------------------- SWORD commentaries (OSIS in zCom modules)
# Index files: ?zs = blocks (offset, size, usize: u32 each) into ?zz (zlib);
# ?zv = per-verse (block u32, offset u32, size u32|u16) into the decompressed block.
OSIS_BLOCK = re.compile(r"</?(div|p|lb|title|l|lg|item|list|q)\b[^>]*>", re.I)
def sword_module(path, letter):
    out = []
    for test, nverses in (("ot", 24115), ("nt", 8246)):
        zs = open(os.path.join(path, f"{test}.{letter}zs"), "rb").read()
        if not zs:
            continue
        zz = open(os.path.join(path, f"{test}.{letter}zz"), "rb").read()
        zv = open(os.path.join(path, f"{test}.{letter}zv"), "rb").read()
        esz = len(zv) // nverses
        assert esz in (10, 12) and len(zv) % esz == 0, (path, test, len(zv))
        blocks = []
        for i in range(0, len(zs), 12):
            off, size, _ = struct.unpack("<III", zs[i:i + 12])
            blocks.append(zlib.decompress(zz[off:off + size]))
        seen = set()
        for i in range(0, len(zv), esz):
            if esz == 12:
                b, off, size = struct.unpack("<III", zv[i:i + 12])
            else:
                b, off, size = struct.unpack("<IIH", zv[i:i + 10])
            if size == 0 or (b, off) in seen:
                continue
            seen.add((b, off))
            t = blocks[b][off:off + size].decode("utf-8", "replace")
            t = re.sub(r"<note\b.*?</note>", " ", t, flags=re.S)
            t = OSIS_BLOCK.sub("\n\n", t)
            t = html.unescape(re.sub(r"<[^>]*>", " ", t))
            for para in re.split(r"\n\s*\n", t):
                emit(out, " ".join(para.split()))
    return out

# ---------------------------------------------------------------- GNOME Mallard help
class MallardText(HTMLText):
    BLOCK = {"p", "title", "subtitle", "item", "td", "th", "tr", "note", "section", "page", "list",
             "steps", "terms", "tree", "table", "synopsis", "links", "figure", "example", "quote"}
    SKIP = {"info", "code", "screen", "media", "comment", "credit", "license", "desc"}

def gnome_help():
    files = sorted(glob.glob(os.path.join(S, "help/C/**/*.page"), recursive=True))
    return html_files(files, MallardText, min_tok=4)

# ---------------------------------------------------------------- LibreOffice help (no Basic/ScriptForge reference)
def libreoffice_help():
    base = os.path.join(S, "libreoffice/help/en-US")
    files = sorted(f for f in glob.glob(base + "/text/**/*.html", recursive=True)
                   if "/text/sbasic/" not in f)
    return html_files(files)

# ---------------------------------------------------------------- LilyPond manuals (English big pages; no code-heavy ones)
def lilypond():
    base = os.path.join(S, "doc/lilypond/html/Documentation")
    return html_files([os.path.join(base, m + "-big-page.html") for m in ("essay", "learning", "notation", "usage", "web")])

def kicad():
    return html_files(sorted(glob.glob(os.path.join(S, "doc/kicad/help/en/*.html"))))

def debian_policy():
    out = []
    for f in sorted(glob.glob(os.path.join(S, "doc/debian-policy/policy.html/_sources/*.txt"))):
        out += rst_text(open(f, encoding="utf-8", errors="replace").read())
    return out

# ---------------------------------------------------------------- Endless Sky (mission conversations, descriptions)
def endless_sky():
    out = []
    for f in sorted(glob.glob(os.path.join(S, "games/endless-sky/data/**/*.txt"), recursive=True)):
        for ln in open(f, encoding="utf-8", errors="replace"):
            s = ln.strip()
            m = re.match(r"^`(.*)`$", s) or re.match(r'^(?:description|spaceport|dialog)\s+"(.*)"$', s) \
                or re.match(r'^(?:description|spaceport|dialog)\s+`(.*)`$', s) or re.match(r'^"([^"]*)"$', s)
            if not m:
                continue
            t = re.sub(r"<[^<>]*>", " ", m.group(1))          # <system>, <first> placeholders
            if not codey(t):
                emit(out, t)
    return out

# ---------------------------------------------------------------- Cataclysm: DDA (item/monster descriptions, NPC dialogue, snippets)
CDDA_KEYS = {"description", "text", "dynamic_line", "offer", "messages", "desc", "advice", "success",
             "failure", "accepted", "rejected", "yes", "no", "info", "message", "msg", "job_description",
             "describe", "success_lie", "failure_lie"}
def cataclysm():
    out = []
    def walk(o, k):
        if isinstance(o, dict):
            for kk, v in o.items():
                walk(v, k if kk in ("str", "str_sp", "str_pl") else kk)
        elif isinstance(o, list):
            for v in o:
                walk(v, k)
        elif isinstance(o, str) and k in CDDA_KEYS:
            t = re.sub(r"</?[a-z_]+[^<>]*>", " ", o)             # <color_red>, <npc_name>, <swear>
            for para in t.split("\n"):
                if not codey(para):
                    emit(out, para)
    base = os.path.join(S, "games/cataclysm-dda")
    for f in sorted(glob.glob(base + "/json/**/*.json", recursive=True) + glob.glob(base + "/mods/**/*.json", recursive=True)):
        try:
            walk(json.load(open(f, encoding="utf-8")), None)
        except ValueError:
            pass
    return out

# ---------------------------------------------------------------- Dungeon Crawl Stone Soup (descriptions, quotes, speech, manual)
def crawl():
    out = []
    base = os.path.join(S, "crawl")
    files = sorted(glob.glob(base + "/dat/descript/*.txt")) + \
        [os.path.join(base, "dat/database", n) for n in ("FAQ.txt", "godspeak.txt", "monspeak.txt", "randbook.txt")]
    for f in files:
        for entry in open(f, encoding="utf-8", errors="replace").read().split("%%%%"):
            lines = [l for l in entry.split("\n") if not l.startswith(("#", "w:", "%"))]
            while lines and not lines[0].strip():
                lines.pop(0)
            body = "\n".join(lines[1:])                         # first line is the key
            body = re.sub(r"@[^@\s]*@|\{\{.*?\}\}|\{[^{}\s]*\}|<[^<>]*>|\$[A-Za-z_]+", " ", body)
            plain_paras(body, out)
    plain_paras(open(os.path.join(base, "docs/crawl_manual.txt"), encoding="utf-8", errors="replace").read(), out)
    return out

# ---------------------------------------------------------------- Freeciv (nation legends, help texts)
def freeciv():
    out = []
    base = os.path.join(S, "games/freeciv")
    files = sorted(glob.glob(base + "/**/*.ruleset", recursive=True)) + [os.path.join(base, "helpdata.txt")]
    for f in files:
        data = open(f, encoding="utf-8", errors="replace").read()
        for m in re.finditer(r'_\("((?:[^"\\]|\\.)*)"\)', data, re.S):
            t = m.group(1).replace("\\\n", "").replace("\\n", "\n").replace('\\"', '"')
            t = re.sub(r"^\?[a-z]+:", "", t)
            t = re.sub(r"\[/?[a-z]+[^\]]*\]|%[sd]|%\(\w+\)s", " ", t)   # [b]..[/b], [link ...], %s
            for para in re.split(r"\n\s*\n|\n(?=\s*[-*] )", t):
                emit(out, " ".join(para.split()))
    return out

# ---------------------------------------------------------------- Wesnoth (campaign story/dialogue, unit descriptions, help)
def wesnoth():
    out = []
    base = os.path.join(S, "games/wesnoth/1.16/data")
    files = sorted(f for f in glob.glob(base + "/**/*.cfg", recursive=True)
                   if not f.startswith((base + "/test/", base + "/schema/")))
    for f in files:
        data = open(f, encoding="utf-8", errors="replace").read()
        for m in re.finditer(r'_\s*"((?:[^"]|"")*)"|_\s*<<(.*?)>>', data, re.S):
            t = (m.group(1) if m.group(1) is not None else m.group(2)).replace('""', '"')
            t = re.sub(r"<[^<>]*>", " ", t)                                    # <span ...>, <b>, <ref>
            t = re.sub(r"\$[\w.\[\]]+(\|[^\s]*)?", " ", t)                       # $unit.name|
            t = re.sub(r"\^[^|]*\|", "", t)                                      # context^ prefixes
            for para in re.split(r"\n\s*\n", t):
                if not codey(para):
                    emit(out, " ".join(para.split()))
    return out

# ---------------------------------------------------------------- fortune-anarchism
def fortune_anarchism():
    out = []
    for fort in re.split(r"\n%\n", open(os.path.join(S, "games/fortunes/anarchism"), encoding="utf-8", errors="replace").read()):
        lines = [l for l in fort.split("\n") if not codey(l)]
        lines = [re.sub(r"^\s*--.*$", "", l) for l in lines]
        emit(out, " ".join(lines))
    return out


# ---------------------------------------------------------------- GnuCash guide + help (English HTML)
def gnucash():
    base = os.path.join(S, "doc/gnucash-docs")
    return html_files(sorted(glob.glob(base + "/gnucash-guide-en/*.html") + glob.glob(base + "/gnucash-help-en/*.html")))

# ---------------------------------------------------------------- KStars handbook incl. AstroInfo articles (DocBook)
class DocBookText(HTMLText):
    BLOCK = {"para", "title", "listitem", "entry", "row", "term", "varlistentry", "sect1", "sect2", "sect3",
             "chapter", "section", "note", "tip", "warning", "caution", "important", "simpara", "formalpara",
             "blockquote", "footnote", "step", "question", "answer", "caption", "glossterm", "glossdef", "book"}
    SKIP = {"programlisting", "screen", "literallayout", "synopsis", "bookinfo", "chapterinfo", "sect1info",
            "indexterm", "authorgroup", "legalnotice", "mediaobject", "screenshot", "keycombo", "menuchoice", "guimenu"}
    def unknown_decl(self, data):
        pass

def kstars():
    return html_files(sorted(glob.glob(os.path.join(S, "doc/HTML/en/kstars/*.docbook"))), DocBookText)

# ---------------------------------------------------------------- LyX manuals (.lyx: text lines inside layouts)
def lyx_file(path, out):
    stack, para = [], []
    def flush():
        if para:
            t = "".join(para)
            if not codey(t):
                emit(out, t)
        para.clear()
    for ln in open(path, encoding="utf-8", errors="replace"):
        ln = ln.rstrip("\n")
        if ln.startswith("\\begin_inset"):
            kind = ln.split()[1] if len(ln.split()) > 1 else ""
            stack.append("X" if kind in ("Formula", "ERT", "listings", "Graphics", "CommandInset", "Info", "Preview", "Tabular", "External", "Index", "Nomenclature") else "I")
            continue
        if ln.startswith("\\end_inset"):
            if stack: stack.pop()
            continue
        if ln.startswith("\\begin_layout"):
            flush(); stack.append("L"); continue
        if ln.startswith("\\end_layout"):
            flush()
            if stack: stack.pop()
            continue
        if not stack or stack[-1] != "L" or "X" in stack:
            continue
        ln = re.sub(r"\\SpecialChar\s+(\S+)", lambda m: m.group(1) if m.group(1).isalpha() else " ", ln)
        if ln.startswith("\\"):
            continue
        para.append(ln)
    flush()

def lyx():
    out = []
    for name in ("Intro", "Tutorial", "UserGuide", "Additional", "EmbeddedObjects", "Math"):
        lyx_file(os.path.join(S, "lyx/doc", name + ".lyx"), out)
    return out

# ---------------------------------------------------------------- FreedroidRPG dialogues (Lua _"..." strings)
def freedroidrpg():
    out = []
    for f in sorted(glob.glob(os.path.join(S, "freedroidrpg/data/**/dialogs/*.lua"), recursive=True)):
        data = open(f, encoding="utf-8", errors="replace").read()
        for m in re.finditer(r'_"((?:[^"\\\n]|\\.)*)"|_\[\[(.*?)\]\]', data, re.S):
            t = m.group(1) if m.group(1) is not None else m.group(2)
            t = t.replace('\\"', '"').replace("\\n", "\n")
            t = re.sub(r"%[sd]|\{[^{}]*\}", " ", t)
            for para in t.split("\n"):
                if not codey(para):
                    emit(out, para)
    return out

# ---------------------------------------------------------------- Naev (mission/event texts, planet/outfit/ship descriptions)
def naev_clean(t):
    t = re.sub(r"#[a-zA-Z0-9]", "", t)                        # #r colour codes, #0 reset
    return re.sub(r"\{[^{}]*\}|%[0-9.]*[sdf]", " ", t)         # {player}, %s
def naev():
    out = []
    base = os.path.join(S, "naev/dat")
    for f in sorted(glob.glob(base + "/missions/**/*.lua", recursive=True) + glob.glob(base + "/events/**/*.lua", recursive=True)):
        data = open(f, encoding="utf-8", errors="replace").read()
        for m in re.finditer(r'_\(\s*(?:\[\[(.*?)\]\]|"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\')', data, re.S):
            t = next(g for g in m.groups() if g is not None).replace('\\"', '"').replace("\\'", "'").replace("\\n", "\n")
            for para in re.split(r"\n", naev_clean(t)):
                if not codey(para):
                    emit(out, para)
    for f in sorted(glob.glob(base + "/assets/**/*.xml", recursive=True) + glob.glob(base + "/outfits/**/*.xml", recursive=True)
                    + glob.glob(base + "/ships/**/*.xml", recursive=True)):
        data = open(f, encoding="utf-8", errors="replace").read()
        for m in re.finditer(r"<(description|bar)>(.*?)</\1>", data, re.S):
            for para in html.unescape(naev_clean(m.group(2))).split("\n"):
                if not codey(para):
                    emit(out, para)
    return out

# ---------------------------------------------------------------- Stellarium sky-culture + landscape descriptions (HTML)
def stellarium():
    base = os.path.join(S, "stellarium")
    return html_files(sorted(glob.glob(base + "/skycultures/*/description.en.utf8") + glob.glob(base + "/landscapes/*/description.en.utf8")))

def debian_reference():
    return html_files(sorted(glob.glob(os.path.join(S, "debian-reference/*.en.html"))))

SW = os.path.join(S, "sword/modules/comments/zcom")
SOURCES = [
    ("tdavid", "sword-comm-tdavid", "C. H. Spurgeon, The Treasury of David (1869-85), OSIS", lambda: sword_module(SW + "/tdavid", "c")),
    ("mhcc", "sword-comm-mhcc", "Matthew Henry's Concise Commentary (1706-21), OSIS", lambda: sword_module(SW + "/mhcc", "b")),
    ("libreoffice-help", "libreoffice-help-en-us", "LibreOffice help (HTML; Basic/ScriptForge pages excluded)", libreoffice_help),
    ("wesnoth", "wesnoth-1.16-data + 16 campaign packages", "Battle for Wesnoth: campaign story/dialogue, unit descriptions, help (WML strings)", wesnoth),
    ("cataclysm", "cataclysm-dda-data", "Cataclysm: DDA item/monster descriptions, NPC dialogue, snippets (JSON strings)", cataclysm),
    ("endless-sky", "endless-sky-data", "Endless Sky mission conversations and descriptions", endless_sky),
    ("crawl", "crawl-common", "Dungeon Crawl Stone Soup descriptions, quotes, speech, manual", crawl),
    ("freeciv", "freeciv-data", "Freeciv nation legends and help texts (ruleset strings, helpdata.txt)", freeciv),
    ("lilypond", "lilypond-doc-html", "LilyPond essay, learning manual, notation reference, usage, web (English big-page HTML)", lilypond),
    ("gnome-help", "gnome-user-docs", "GNOME desktop help + system admin guide (Mallard, C locale)", gnome_help),
    ("debian-policy", "debian-policy", "Debian Policy Manual (reST sources)", debian_policy),
    ("kicad", "kicad-doc-en", "KiCad manuals (English HTML)", kicad),
    ("gnucash", "gnucash-docs", "GnuCash Tutorial and Concepts Guide + Help manual (English HTML)", gnucash),
    ("naev", "naev-data", "Naev mission/event texts, planet/outfit/ship descriptions", naev),
    ("freedroidrpg", "freedroidrpg-data", "FreedroidRPG character dialogues", freedroidrpg),
    ("lyx", "lyx-common", "LyX manuals: Intro, Tutorial, UserGuide, Additional, EmbeddedObjects, Math (.lyx)", lyx),
    ("kstars", "kstars-data", "KStars handbook incl. AstroInfo astronomy articles (DocBook)", kstars),
    ("stellarium", "stellarium-data", "Stellarium sky-culture (ethno-astronomy) and landscape descriptions (HTML)", stellarium),
    ("debian-reference", "debian-reference-en", "Debian Reference (English HTML)", debian_reference),
    ("anarchism", "fortune-anarchism", "fortune-anarchism quotations", fortune_anarchism),
]

all_lines, src_of, stats = [], [], []
for key, pkg, desc, fn in SOURCES:
    lines = fn()
    ntok = sum(l.count(" ") + 1 for l in lines)
    stats.append([key, pkg, desc, len(lines), ntok, 0, 0])
    print(f"{key:18s} lines={len(lines):8d} tokens={ntok:9d}", file=sys.stderr, flush=True)
    all_lines += lines
    src_of += [len(stats) - 1] * len(lines)

seen, uniq = set(), []
for l, s in zip(all_lines, src_of):
    if l in seen:
        continue
    seen.add(l); uniq.append((l, s))
    stats[s][5] += 1; stats[s][6] += l.count(" ") + 1
dups = len(all_lines) - len(uniq)
del seen, all_lines

# Cap the largest source (Treasury of David) at MAX_SHARE of the final corpus: keep a
# Random(seed) sample of its (deduplicated) paragraphs, so every psalm stays represented.
MAX_SHARE, CAPPED = 0.35, "tdavid"
ci = [k for k, st in enumerate(stats) if st[0] == CAPPED][0]
others = sum(st[6] for k, st in enumerate(stats) if k != ci)
budget = int(MAX_SHARE / (1 - MAX_SHARE) * others)
capped_dropped = 0
if stats[ci][6] > budget:
    capped = [l for l, s in uniq if s == ci]
    random.Random(seed).shuffle(capped)
    keep, t = set(), 0
    for l in capped:
        n = l.count(" ") + 1
        if t + n > budget:
            break
        keep.add(l); t += n
    capped_dropped = stats[ci][6] - t
    uniq = [(l, s) for l, s in uniq if s != ci or l in keep]
    stats[ci][5], stats[ci][6] = len(keep), t
uniq = [l for l, s in uniq]
random.Random(seed).shuffle(uniq)

counts = Counter()
path = os.path.join(out_dir, "corpus-b.txt")
with open(path, "w") as f:
    for l in uniq:
        f.write(l + "\n")
        counts.update(l.split())
tot = sum(counts.values())
with open(os.path.join(out_dir, "sources.tsv"), "w") as f:
    f.write("source\tpackage\tdescription\tlines\ttokens\tlines_final\ttokens_final\tshare_final\n")
    for key, pkg, desc, nl, nt, ul, ut in stats:
        f.write(f"{key}\t{pkg}\t{desc}\t{nl}\t{nt}\t{ul}\t{ut}\t{ut / tot:.4f}\n")
with open(os.path.join(out_dir, "manifest.txt"), "w") as f:
    for p, v in versions:
        f.write(f"{p} {v}\n")
    f.write(f"corpus-b.txt: lines={len(uniq)} tokens={tot} types={len(counts)} "
            f"types_min5={sum(1 for c in counts.values() if c >= 5)} duplicate_lines_dropped={dups} seed={seed} "
            f"{CAPPED}_capped_at={MAX_SHARE} {CAPPED}_tokens_dropped={capped_dropped}\n")
print(open(os.path.join(out_dir, "manifest.txt")).read(), file=sys.stderr)
