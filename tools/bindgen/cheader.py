"""Reads libpatron's public headers into a small API model.

Only the Python standard library. The headers follow the house style
(include/patron/*.h): Doxygen comments before declarations (`/** ... */`) or
after members (`/**< ... */`), PATRON_API on exported functions, typedef'd
enums and structs, `#define` constants and `*_INIT` initialiser macros.
Conditionals are read as the generator's preprocessor would see them with
`PATRON_BINDGEN` defined and `__cplusplus` undefined; `@cond ... @endcond`
blocks are skipped (they hold only build machinery).

The model is plain dicts and lists (see `parse_headers`), so the emitters can
be read without knowing this parser.
"""
import re
from pathlib import Path

_TOKEN = re.compile(r"""
    (?P<doc>/\*\*<?.*?\*/)
  | (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<pp>^[ \t]*\#(?:\\\n|[^\n])*)
  | (?P<str>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')
  | (?P<num>(?:0[xX][0-9a-fA-F]+|\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)[uUlLfF]*)
  | (?P<id>[A-Za-z_]\w*)
  | (?P<punct>\.\.\.|->|<<|>>|[{}()\[\];,*=&|^~!<>?:+\-/%.])
  | (?P<ws>\s+)
""", re.S | re.M | re.X)

TYPE_WORDS = {"const", "volatile", "restrict", "unsigned", "signed", "short", "long", "int",
              "char", "float", "double", "void", "struct", "enum", "union", "_Bool", "bool"}


class ParseError(Exception):
    pass


# ---------------------------------------------------------------------------
# Doxygen comment -> structured documentation

def _clean_comment(raw):
    body = raw[3:-2]
    if body.startswith("<"):
        body = body[1:]
    lines = []
    for line in body.split("\n"):
        line = re.sub(r"^\s*\*(?!/)", "", line, count=1) if re.match(r"^\s*\*", line) else line
        lines.append(line.rstrip())
    # drop common indentation
    ind = min((len(l) - len(l.lstrip()) for l in lines if l.strip()), default=0)
    return "\n".join(l[ind:] if len(l) >= ind else l.strip() for l in lines).strip("\n")


def _inline(text):
    """Doxygen inline markup to plain text (Markdown-ish backticks kept)."""
    text = re.sub(r"[@\\](?:p|c|a|e|b)\s+(\w+)", r"`\1`", text)
    text = re.sub(r"[@\\]ref\s+(\w+)", r"\1", text)
    text = re.sub(r"(?<![\w&#])#(\w+)", r"\1", text)
    text = re.sub(r"[@\\]n\b", "\n", text)
    return text


def parse_doc(raw):
    """Returns {'brief', 'details', 'params': {name: {'dir','text'}}, 'returns',
    'sections': [(title, text)], 'deprecated'}."""
    if raw is None:
        return {"brief": "", "details": "", "params": {}, "returns": "", "sections": [],
                "deprecated": None}
    text = _clean_comment(raw)
    doc = {"brief": "", "details": "", "params": {}, "returns": "", "sections": [],
           "deprecated": None}
    cur = ("details", None)
    chunks = {"brief": [], "details": []}
    params = {}
    sections = []
    returns = []
    deprecated = []

    def target():
        kind, key = cur
        if kind in ("brief", "details"):
            return chunks[kind]
        if kind == "param":
            return params[key]["lines"]
        if kind == "return":
            return returns
        if kind == "section":
            return sections[key][1]
        return deprecated

    for line in text.split("\n"):
        s = line.strip()
        m = re.match(r"[@\\](\w+)(\[[^\]]*\])?\s*(.*)$", s)
        cmd = m.group(1) if m else None
        if cmd == "brief":
            cur = ("brief", None)
            chunks["brief"].append(m.group(3))
            continue
        if cmd == "param":
            pm = re.match(r"(\w+)\s*(.*)$", m.group(3))
            if pm:
                d = (m.group(2) or "").strip("[]").replace(" ", "")
                params[pm.group(1)] = {"dir": d, "lines": [pm.group(2)]}
                cur = ("param", pm.group(1))
                continue
        if cmd in ("return", "returns", "retval"):
            cur = ("return", None)
            returns.append(m.group(3))
            continue
        if cmd in ("par", "note", "warning", "see", "sa", "pre", "post", "since", "attention"):
            title = m.group(3) if cmd == "par" else {"sa": "See also"}.get(cmd, cmd.capitalize())
            sections.append([title, [] if cmd == "par" else [m.group(3)]])
            cur = ("section", len(sections) - 1)
            continue
        if cmd == "deprecated":
            cur = ("deprecated", None)
            deprecated.append(m.group(3))
            continue
        if cmd in ("file", "cond", "endcond", "defgroup", "ingroup", "addtogroup", "{", "}"):
            continue
        if not s:
            # blank line ends a brief / param paragraph
            if cur[0] == "brief" or (cur[0] == "details" and not chunks["brief"] and chunks["details"]):
                if cur[0] == "details" and not chunks["brief"]:
                    chunks["brief"], chunks["details"] = chunks["details"], []
                cur = ("details", None)
                chunks["details"].append("")
                continue
            if cur[0] in ("param", "return", "section", "deprecated"):
                cur = ("details", None)
            target().append("")
            continue
        target().append(line.rstrip() if cur[0] == "details" else s)

    if not chunks["brief"] and chunks["details"]:
        # JAVADOC_AUTOBRIEF-like: first sentence/paragraph is the brief
        para = []
        while chunks["details"] and chunks["details"][0].strip():
            para.append(chunks["details"].pop(0))
        chunks["brief"] = para

    def join(lines):
        out, para = [], []
        for l in lines + [""]:
            if l.strip():
                para.append(l.strip() if not re.match(r"\s*(- |\||\d+\. )", l) else "\n" + l.strip())
            elif para:
                out.append(" ".join(para).replace(" \n", "\n").strip())
                para = []
        return _inline("\n\n".join(out))

    doc["brief"] = join(chunks["brief"])
    doc["details"] = join(chunks["details"])
    doc["params"] = {}
    for k, v in params.items():
        text = join(v["lines"])
        # binding annotation: `@param[out] scores [array: n] ...` (see model.py)
        tm = re.match(r"\[([a-z]+)(?::\s*([^\]]*))?\]\s*", text)
        tag = None
        if tm:
            tag = {"kind": tm.group(1), "args": [a.strip() for a in (tm.group(2) or "").split(",") if a.strip()]}
            text = text[tm.end():]
        doc["params"][k] = {"dir": v["dir"], "text": text, "tag": tag}
    doc["returns"] = join(returns)
    doc["sections"] = [(_inline(t), join(l)) for t, l in sections]
    doc["deprecated"] = join(deprecated) if deprecated else None
    return doc


# ---------------------------------------------------------------------------
# tokens

class Tok:
    __slots__ = ("kind", "text", "line")

    def __init__(self, kind, text, line):
        self.kind, self.text, self.line = kind, text, line

    def __repr__(self):
        return f"{self.kind}:{self.text}"


def _eval_pp_condition(expr):
    """#if conditions as seen by the generator: PATRON_BINDGEN defined,
    __cplusplus undefined, anything else considered true (include guards,
    feature tests the public headers may carry)."""
    e = expr.strip()
    if "PATRON_BINDGEN" in e:
        return not e.startswith("!")
    if "__cplusplus" in e:
        return e.startswith("!")
    return True


def tokenize(text, filename):
    toks = []
    macros = []
    line = 1
    skip_cond = 0
    stack = []  # (active, taken)
    active = True
    pending_doc = None
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ParseError(f"{filename}:{line}: cannot tokenize near {text[pos:pos + 20]!r}")
        kind = m.lastgroup
        s = m.group()
        start_line = line
        line += s.count("\n")
        pos = m.end()
        if kind in ("ws", "comment"):
            continue
        if kind == "doc":
            if re.search(r"[@\\]cond\b", s):
                skip_cond += 1
            if re.search(r"[@\\]endcond\b", s):
                skip_cond = max(0, skip_cond - 1)
                continue
            if skip_cond or not active:
                continue
            if s.startswith("/**<") and macros and macros[-1]["line"] == start_line:
                macros[-1]["doc"] = s
                continue
            toks.append(Tok("doc", s, start_line))
            continue
        if kind == "pp":
            d = s.strip()[1:].strip()
            d = re.sub(r"\\\n", " ", d)
            d = re.sub(r"/\*.*?\*/|//.*$", "", d).strip()
            word = re.match(r"\w*", d).group()
            rest = d[len(word):].strip()
            if word in ("if", "ifdef", "ifndef"):
                cond = {"if": rest, "ifdef": f"defined({rest})", "ifndef": f"!defined({rest})"}[word]
                val = _eval_pp_condition(cond)
                stack.append((active, val))
                active = active and val
            elif word == "elif":
                outer, taken = stack[-1]
                val = (not taken) and _eval_pp_condition(rest)
                stack[-1] = (outer, taken or val)
                active = outer and val
            elif word == "else":
                outer, taken = stack[-1]
                active = outer and not taken
                stack[-1] = (outer, True)
            elif word == "endif":
                active = stack.pop()[0]
            elif word == "define" and active and not skip_cond:
                dm = re.match(r"(\w+)(\()?\s*(.*)$", rest, re.S)
                name, fnlike, value = dm.group(1), dm.group(2), dm.group(3).strip()
                doc = None
                if toks and toks[-1].kind == "doc" and not toks[-1].text.startswith("/**<"):
                    doc = toks.pop().text
                macros.append({"name": name, "function_like": bool(fnlike), "value": value,
                               "doc": doc, "line": start_line, "file": filename})
            continue
        if skip_cond or not active:
            continue
        toks.append(Tok(kind, s, start_line))
    return toks, macros


# ---------------------------------------------------------------------------
# declarations

def _split_top(toks, sep=","):
    parts, cur, depth = [], [], 0
    for t in toks:
        if t.text in "([{" and t.kind == "punct":
            depth += 1
        elif t.text in ")]}" and t.kind == "punct":
            depth -= 1
        if depth == 0 and t.kind == "punct" and t.text == sep:
            parts.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        parts.append(cur)
    return parts


def _match_paren(toks, i):
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].text in "([{" and toks[j].kind == "punct":
            depth += 1
        elif toks[j].text in ")]}" and toks[j].kind == "punct":
            depth -= 1
            if depth == 0:
                return j
    raise ParseError(f"line {toks[i].line}: unbalanced brackets")


def parse_declarator(toks, where):
    """A parameter or member: returns {'name', 'type'}; type is
    {'base', 'const', 'ptr', 'ptr_const': [..], 'array': [..], 'fn': None|{ret, params}}."""
    toks = [t for t in toks if t.kind != "doc"]
    # function pointer: ret ( * name ) ( params )
    for i, t in enumerate(toks):
        if t.text == "(" and i + 1 < len(toks) and toks[i + 1].text == "*":
            close = _match_paren(toks, i)
            name_toks = [x for x in toks[i + 2:close] if x.kind == "id" and x.text not in TYPE_WORDS]
            name = name_toks[-1].text if name_toks else None
            ret = parse_type(toks[:i], where)
            pclose = _match_paren(toks, close + 1)
            params = parse_params(toks[close + 2:pclose], where)
            return {"name": name, "type": {"base": "fnptr", "const": False, "ptr": 0, "ptr_const": [],
                                           "array": [], "fn": {"ret": ret, "params": params}}}
    array = []
    while toks and toks[-1].text == "]":
        j = max(i for i, t in enumerate(toks) if t.text == "[")
        array.insert(0, " ".join(t.text for t in toks[j + 1:-1]))
        toks = toks[:j]
    name = None
    if toks and toks[-1].kind == "id" and toks[-1].text not in TYPE_WORDS and len(
            [t for t in toks if t.kind == "id" and t.text not in ("const", "volatile", "restrict")]) > 1:
        name = toks[-1].text
        toks = toks[:-1]
    ty = parse_type(toks, where)
    ty["array"] = array
    return {"name": name, "type": ty}


def parse_type(toks, where):
    words = []
    ptr = 0
    ptr_const = []
    const = False
    for t in toks:
        if t.text == "*":
            ptr += 1
            ptr_const.append(False)
        elif t.text == "const":
            if ptr:
                ptr_const[-1] = True
            else:
                const = True
        elif t.text in ("volatile", "restrict", "__restrict", "struct", "enum", "union"):
            continue
        elif t.kind == "id":
            words.append(t.text)
        else:
            raise ParseError(f"{where}: unexpected {t.text!r} in a type")
    if not words:
        raise ParseError(f"{where}: missing type")
    base = " ".join(words)
    base = {"unsigned int": "unsigned", "signed int": "int", "long int": "long",
            "unsigned long int": "unsigned long", "long long int": "long long",
            "unsigned long long int": "unsigned long long", "_Bool": "bool"}.get(base, base)
    return {"base": base, "const": const, "ptr": ptr, "ptr_const": ptr_const, "array": [], "fn": None}


def parse_params(toks, where):
    parts = _split_top(toks)
    if len(parts) == 1 and len(parts[0]) == 1 and parts[0][0].text == "void":
        return []
    out = []
    for i, p in enumerate(parts):
        if len(p) == 1 and p[0].text == "...":
            out.append({"name": "...", "type": {"base": "...", "const": False, "ptr": 0,
                                                "ptr_const": [], "array": [], "fn": None}})
            continue
        d = parse_declarator(p, where)
        if d["type"]["array"]:  # parameters of array type are pointers
            t = d["type"]
            t["ptr"] += len(t["array"])
            t["ptr_const"] = t["ptr_const"] + [False] * len(t["array"])
            t["array"] = []
        if d["name"] is None:
            d["name"] = f"arg{i}"
        out.append(d)
    return out


def _body_members(toks, where, enum=False):
    """Members of a struct or enum body, with their docs (before or `/**<` after)."""
    members = []
    pending = None
    cur = []
    sep = "," if enum else ";"

    def flush():
        nonlocal cur, pending
        real = [t for t in cur if t.kind != "doc"]
        if real:
            members.append({"toks": real, "doc": pending})
            pending = None
        cur = []

    depth = 0
    for t in toks:
        if t.kind == "doc":
            if t.text.startswith("/**<"):
                if cur and [x for x in cur if x.kind != "doc"]:
                    # trailing doc before the separator (last enum value)
                    flush()
                if members:
                    members[-1]["doc"] = t.text
            else:
                pending = t.text
            continue
        if t.kind == "punct" and t.text in "({[":
            depth += 1
        elif t.kind == "punct" and t.text in ")}]":
            depth -= 1
        if depth == 0 and t.kind == "punct" and t.text == sep:
            flush()
        else:
            cur.append(t)
    flush()
    return members


def parse_headers(root, headers):
    """root: repository root; headers: paths relative to root, in order."""
    api = {"headers": [], "functions": [], "enums": [], "structs": [], "opaque": [],
           "typedefs": [], "constants": [], "initializers": []}
    for rel in headers:
        path = Path(root) / rel
        text = path.read_text()
        toks, macros = tokenize(text, rel)
        file_doc = None
        # @file block
        for t in toks:
            if t.kind == "doc" and re.search(r"[@\\]file\b", t.text):
                file_doc = parse_doc(t.text)
                break
        api["headers"].append({"file": rel, "doc": file_doc})
        for m in macros:
            if m["function_like"] or re.match(r"PATRON_\w*_H$", m["name"]) or not m["value"]:
                continue
            entry = {"name": m["name"], "value": m["value"], "doc": parse_doc(m["doc"]), "file": rel}
            if m["value"].startswith("{"):
                api["initializers"].append(entry)
            else:
                api["constants"].append(entry)
        _parse_decls([t for t in toks if not (t.kind == "doc" and re.search(r"[@\\]file\b", t.text))],
                     rel, api)
    # opaque = declared struct typedefs with no body anywhere
    defined = {s["name"] for s in api["structs"]}
    api["opaque"] = [o for o in api["opaque"] if o["name"] not in defined]
    return api


def _parse_decls(toks, rel, api):
    # strip decl markers
    out = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.kind == "id" and t.text in ("PATRON_BEGIN_DECLS", "PATRON_END_DECLS"):
            i += 1
            continue
        if t.kind == "id" and t.text == "PATRON_DEPRECATED":
            j = _match_paren(toks, i + 1)
            t2 = Tok("marker", "deprecated", t.line)
            out.append(t2)
            i = j + 1
            continue
        out.append(t)
        i += 1
    toks = out
    stmts = []
    cur = []
    depth = 0
    for t in toks:
        if t.kind == "punct" and t.text in "({[":
            depth += 1
        elif t.kind == "punct" and t.text in ")}]":
            depth -= 1
        if depth == 0 and t.kind == "punct" and t.text == ";":
            stmts.append(cur)
            cur = []
        else:
            cur.append(t)
    if [t for t in cur if t.kind != "doc"]:
        raise ParseError(f"{rel}: trailing tokens without ';' near line {cur[0].line}")
    for st in stmts:
        doc = None
        while st and st[0].kind == "doc":
            doc = st.pop(0).text
        if not st:
            continue
        _parse_stmt(st, doc, rel, api)


def _parse_stmt(st, doc, rel, api):
    where = f"{rel}:{st[0].line}"
    deprecated = any(t.kind == "marker" for t in st)
    st = [t for t in st if t.kind != "marker"]
    texts = [t.text for t in st]
    line = st[0].line
    if texts[0] == "typedef":
        body = st[1:]
        if body[0].text in ("enum", "struct", "union") and "{" in [t.text for t in body]:
            kind = body[0].text
            ob = [t.text for t in body].index("{")
            cb = _match_paren(body, ob)
            tag = body[1].text if ob == 2 else None
            names = [t.text for t in body[cb + 1:] if t.kind == "id"]
            name = names[-1] if names else tag
            if kind == "enum":
                api["enums"].append(_parse_enum(body[ob + 1:cb], name, tag, doc, rel, line))
            else:
                api["structs"].append(_parse_struct(body[ob + 1:cb], name, tag, doc, rel, line, kind))
            return
        if body[0].text in ("struct", "union", "enum") and len(body) == 3:
            api["opaque"].append({"name": body[2].text, "tag": body[1].text, "doc": parse_doc(doc),
                                  "file": rel, "line": line})
            return
        d = parse_declarator(body, where)
        api["typedefs"].append({"name": d["name"], "type": d["type"], "doc": parse_doc(doc),
                                "file": rel, "line": line})
        return
    if texts[0] in ("struct", "enum", "union") and "{" in texts:
        ob = texts.index("{")
        cb = _match_paren(st, ob)
        if texts[0] == "enum":
            api["enums"].append(_parse_enum(st[ob + 1:cb], texts[1], texts[1], doc, rel, line))
        else:
            api["structs"].append(_parse_struct(st[ob + 1:cb], texts[1], texts[1], doc, rel, line, texts[0]))
        return
    if "(" in texts:
        exported = "PATRON_API" in texts
        st2 = [t for t in st if t.text not in ("PATRON_API", "extern", "static", "inline")]
        texts2 = [t.text for t in st2]
        op = texts2.index("(")
        if texts2[op + 1] == "*":
            raise ParseError(f"{where}: function pointer variables are not supported")
        name = st2[op - 1].text
        ret = parse_type(st2[:op - 1], where)
        cp = _match_paren(st2, op)
        params = parse_params(st2[op + 1:cp], where)
        if not exported:
            raise ParseError(f"{where}: function {name} is not marked PATRON_API")
        api["functions"].append({"name": name, "ret": ret, "params": params, "doc": parse_doc(doc),
                                 "deprecated": deprecated, "file": rel, "line": line})
        return
    raise ParseError(f"{where}: unsupported declaration: {' '.join(texts[:12])}")


def _parse_enum(body, name, tag, doc, rel, line):
    values = []
    nxt = 0
    known = {}
    for m in _body_members(body, f"{rel}:{line}", enum=True):
        t = m["toks"]
        vname = t[0].text
        if len(t) > 1:
            expr = " ".join(x.text for x in t[2:])
            val = eval_c_expr(expr, known)
        else:
            val = nxt
        known[vname] = val
        nxt = val + 1
        values.append({"name": vname, "value": val, "doc": parse_doc(m["doc"])})
    return {"name": name, "tag": tag, "values": values, "doc": parse_doc(doc), "file": rel, "line": line}


def _parse_struct(body, name, tag, doc, rel, line, kind):
    fields = []
    for m in _body_members(body, f"{rel}:{line}"):
        t = m["toks"]
        if any(x.text == "{" for x in t):
            raise ParseError(f"{rel}:{line}: nested struct/union in {name} is not supported by bindgen")
        # `int a, b;` -> two fields sharing the type
        parts = _split_top(t)
        first = parse_declarator(parts[0], f"{rel}:{line}")
        fields.append({"name": first["name"], "type": first["type"], "doc": parse_doc(m["doc"])})
        for extra in parts[1:]:
            base_toks = [x for x in parts[0] if x.text not in ("*",)][:-1]
            d = parse_declarator(base_toks + extra, f"{rel}:{line}")
            fields.append({"name": d["name"], "type": d["type"], "doc": parse_doc(m["doc"])})
    return {"name": name, "tag": tag, "kind": kind, "fields": fields, "doc": parse_doc(doc),
            "file": rel, "line": line}


# ---------------------------------------------------------------------------
# constant expressions

_LIMITS = {"INT8_MIN": -2**7, "INT8_MAX": 2**7 - 1, "UINT8_MAX": 2**8 - 1,
           "INT16_MIN": -2**15, "INT16_MAX": 2**15 - 1, "UINT16_MAX": 2**16 - 1,
           "INT32_MIN": -2**31, "INT32_MAX": 2**31 - 1, "UINT32_MAX": 2**32 - 1,
           "INT64_MIN": -2**63, "INT64_MAX": 2**63 - 1, "UINT64_MAX": 2**64 - 1,
           "INT_MIN": -2**31, "INT_MAX": 2**31 - 1, "UINT_MAX": 2**32 - 1, "SIZE_MAX": 2**64 - 1}


def eval_c_expr(expr, known, sizeof=None):
    """Evaluates a C integer/float/string constant expression over `known`
    names. Casts like (uint32_t) are dropped. Returns int, float or str;
    raises ValueError when it cannot."""
    e = expr.strip()
    if re.fullmatch(r'"(?:\\.|[^"\\])*"(\s*"(?:\\.|[^"\\])*")*', e):
        parts = re.findall(r'"((?:\\.|[^"\\])*)"', e)
        return "".join(bytes(p, "utf-8").decode("unicode_escape") for p in parts)
    if re.fullmatch(r"'(?:\\.|[^'\\])'", e):
        return ord(bytes(e[1:-1], "utf-8").decode("unicode_escape"))
    e = re.sub(r"'(\\.|[^'\\])'", lambda m: str(ord(bytes(m.group(1), "utf-8").decode("unicode_escape"))), e)
    e = re.sub(r"\(\s*(?:const\s+)?(?:unsigned\s+|signed\s+)?(?:u?int(?:8|16|32|64)_t|size_t|int|long|"
               r"long long|unsigned|double|float|char|short)\s*\)", "", e)
    if sizeof is not None:
        e = re.sub(r"sizeof\s*\(\s*(\w+)\s*\)", lambda m: str(sizeof(m.group(1))), e)
    e = re.sub(r"\b(?:U?INT(?:8|16|32|64)_C|U?INTMAX_C)\s*\(([^()]*)\)", r"(\1)", e)
    known = dict(_LIMITS, **known)
    e = re.sub(r"(\d)[uUlL]+\b", r"\1", e)
    e = re.sub(r"(\d\.?\d*(?:[eE][-+]?\d+)?)[fF]\b", r"\1", e)

    def name(m):
        n = m.group(0)
        if n[0].isdigit() or n[0] == ".":
            return n
        if n in known:
            v = known[n]
            if isinstance(v, (int, float)):
                return f"({v!r})"
            raise ValueError(n)
        raise ValueError(n)
    e2 = re.sub(r"0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[A-Za-z_]\w*", name, e)
    if not re.fullmatch(r"[\d\s.eExXa-fA-F+\-*/%()<>|&^~]*", e2):
        raise ValueError(expr)
    e2 = re.sub(r"(?<![\w.])0([0-7]+)\b", r"0o\1", e2)
    # C integer division truncates toward zero
    val = eval(re.sub(r"(?<![/])/(?![/])", "//", e2) if "." not in e2 else e2, {"__builtins__": {}})
    return val


def split_initializer(value):
    """'{ a, b, {c, d} }' -> ['a', 'b', '{c, d}'] (top level)."""
    v = value.strip()
    if not (v.startswith("{") and v.endswith("}")):
        raise ValueError(value)
    inner = v[1:-1]
    parts, depth, cur, i = [], 0, "", 0
    while i < len(inner):
        ch = inner[i]
        if ch in "\"'":
            m = re.match(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'', inner[i:])
            cur += m.group(0)
            i += len(m.group(0))
            continue
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
        i += 1
    if cur.strip():
        parts.append(cur.strip())
    return parts
