"""API model shared by the emitters: the parsed headers plus the binding
conventions that follow from libpatron's house rules (DESIGN.md section 3):

- a function returning `int` whose @return names PATRON_OK / PATRON_E* is a
  *status* function: negative results become PatronError;
- a pointer parameter's role comes from its type and, unless the type settles
  it (`const char *` string, `const` number array, opaque `T *` handle), from
  the annotation that opens its @param text (TAGS below), e.g.
  `@param[out] scores [array: n] ...`, `@param[out] out [handle] ...`,
  `@param[out] json [string: owned] ...`. A pointer without one, or with one
  that does not fit its type, fails generation with the header and line;
- `[array: LEN]` outputs of numbers are caller buffers (numpy array /
  TypedArray) that the bindings check hold LEN elements before the call;
  `[array: LEN]` outputs of structs are allocated by the binding (LEN of
  them) and returned as a list; `[array: LEN]` inputs are checked too;
- the handle type's destructor is the one-argument `void T_free(T *)` or
  `void patron_close(T *)`-style function;
- `T_OPTIONS_INIT`-style `{...}` macros give the defaults of struct T.

OVERRIDES can still force a role (none do).
"""
import re
from pathlib import Path

from cheader import eval_c_expr, parse_headers, split_initializer

# function name -> {param name: role}; roles: "in", "out", "out_array", "inout"
OVERRIDES = {}

# Functions a language binding exposes only as a stub that throws, with the reason.
# patron_free: the bindings copy and release every string/array themselves; a
# script handing arbitrary memory to the C allocator could only corrupt the heap.
NODE_UNSUPPORTED = {"patron_free": "memory is released by the binding itself"}

INT_TYPES = {
    "int": (32, True), "unsigned": (32, False), "short": (16, True), "unsigned short": (16, False),
    "long": (64, True), "unsigned long": (64, False), "long long": (64, True),
    "unsigned long long": (64, False), "char": (8, True), "signed char": (8, True),
    "unsigned char": (8, False), "int8_t": (8, True), "uint8_t": (8, False), "int16_t": (16, True),
    "uint16_t": (16, False), "int32_t": (32, True), "uint32_t": (32, False), "int64_t": (64, True),
    "uint64_t": (64, False), "size_t": (64, False), "ptrdiff_t": (64, True), "intptr_t": (64, True),
    "uintptr_t": (64, False), "bool": (8, False),
}
FLOAT_TYPES = {"double": 64, "float": 32}

# Binding annotations: the first word of a pointer parameter's @param text.
TAGS = {
    "value": "one object: an output returned by the binding ([out]) or one input ([in], [in,out])",
    "array": "[array: LEN] LEN elements; LEN is PARAM, PARAM->FIELD or rows(FRAME_PARAM)",
    "handle": "`T **` receiving a new handle of opaque type T",
    "string": "[string: owned|borrowed] `char **` receiving a string (owned: released with patron_free())",
    "list": "[list: COUNT, owned|borrowed] `T **` receiving a library-allocated array of *COUNT structs",
    "buffer": "`char *` text buffer provided by the caller",
    "strings": "`const char *const *` array of strings",
    "stream": "`FILE *`",
    "bytes": "`void *` memory",
}


def umbrella_headers(root):
    text = (Path(root) / "include" / "patron.h").read_text()
    return ["include/" + h for h in re.findall(r'#include\s+"(patron/[\w.]+\.h)"', text)]


class Model:
    def __init__(self, root):
        self.root = Path(root)
        self.headers = umbrella_headers(root)
        api = parse_headers(root, self.headers)
        self.api = api
        self.enums = api["enums"]
        self.structs = {s["name"]: s for s in api["structs"]}
        self.struct_order = [s["name"] for s in api["structs"]]
        self.opaque = {o["name"]: o for o in api["opaque"]}
        self.typedefs = {t["name"]: t for t in api["typedefs"]}
        self.enum_names = {e["name"] for e in self.enums}
        self.functions = api["functions"]
        self._constants()
        self._destructors()
        self._initializers()
        self._inherit_docs()
        for f in self.functions:
            self._classify(f)

    # -- types -------------------------------------------------------------
    def resolve(self, ty):
        """Follow scalar typedefs (not function pointers)."""
        while ty["base"] in self.typedefs and self.typedefs[ty["base"]]["type"]["fn"] is None:
            t = self.typedefs[ty["base"]]["type"]
            ty = dict(ty, base=t["base"], ptr=ty["ptr"] + t["ptr"],
                      ptr_const=t["ptr_const"] + ty["ptr_const"], const=ty["const"] or t["const"])
        return ty

    def kind(self, base):
        if base in self.enum_names:
            return "enum"
        if base in INT_TYPES:
            return "int"
        if base in FLOAT_TYPES:
            return "float"
        if base == "void":
            return "void"
        if base in self.structs:
            return "struct"
        if base in self.opaque:
            return "opaque"
        if base in self.typedefs and self.typedefs[base]["type"]["fn"] is not None:
            return "fnptr"
        if base == "fnptr":
            return "fnptr"
        return "unknown"  # e.g. FILE: only usable through a pointer

    def has_size_field(self, struct):
        """True for size-carrying structs (first member `uint32_t size`)."""
        f = self.structs[struct]["fields"]
        return bool(f) and f[0]["name"] == "size" and f[0]["type"]["base"] == "uint32_t" and not f[0]["type"]["ptr"]

    def dim(self, expr):
        """Value of an array dimension expression."""
        return int(eval_c_expr(expr, self.known))

    def is_number(self, base):
        return self.kind(base) in ("int", "float", "enum")

    # -- constants ---------------------------------------------------------
    def _constants(self):
        known = {}
        for e in self.enums:
            for v in e["values"]:
                known[v["name"]] = v["value"]
        self.constants = []
        for c in self.api["constants"]:
            try:
                val = eval_c_expr(c["value"], known)
            except (ValueError, SyntaxError, TypeError, ZeroDivisionError):
                continue  # not a constant expression (type alias macro, attribute...)
            known[c["name"]] = val
            self.constants.append(dict(c, py=val))
        self.known = known

    def _destructors(self):
        self.destructor = {}
        for f in self.functions:
            if len(f["params"]) == 1 and f["ret"]["base"] == "void" and f["ret"]["ptr"] == 0:
                t = f["params"][0]["type"]
                if t["base"] in self.opaque and t["ptr"] == 1 and re.search(r"_(free|close|destroy)$|^patron_close$", f["name"]):
                    self.destructor[t["base"]] = f["name"]

    def _initializers(self):
        self.init_macro = {}
        for m in self.api["initializers"]:
            if not m["name"].endswith("_INIT"):
                continue
            target = None
            stem = m["name"][:-5].lower()  # PATRON_X_OPTIONS -> patron_x_options
            if stem in self.structs:
                target = stem
            else:
                # "Initialiser for #patron_x" in the docs
                mm = re.search(r"\b(patron_\w+)", m["doc"]["brief"] + " " + m["doc"]["details"])
                if mm and mm.group(1) in self.structs:
                    target = mm.group(1)
            if target is None:
                continue
            s = self.structs[target]
            vals = {}
            for i, part in enumerate(split_initializer(m["value"])):
                dm = re.match(r"\.(\w+)\s*=\s*(.*)$", part, re.S)
                if dm:
                    fname, expr = dm.group(1), dm.group(2)
                else:
                    fname, expr = s["fields"][i]["name"], part
                vals[fname] = self._init_value(expr, target)
            self.init_macro[target] = {"macro": m["name"], "values": vals, "doc": m["doc"]}

    def _init_value(self, expr, struct):
        e = expr.strip()
        if re.fullmatch(r"(\(\s*\w+\s*\)\s*)?sizeof\s*\(\s*(struct\s+)?" + struct + r"\s*\)", e):
            return ("sizeof", struct)
        if e.startswith("{"):
            vals = [self._init_value(x, struct) for x in split_initializer(e)]
            if all(v == ("value", 0) or v[0] == "null" for v in vals):
                return ("value", 0)
            return ("list", [v[1] for v in vals])
        if e in ("NULL", "0", "((void *)0)"):
            return ("null", None) if e != "0" else ("value", 0)
        try:
            return ("value", eval_c_expr(e, self.known))
        except (ValueError, SyntaxError, TypeError):
            if e in self.known:
                return ("value", self.known[e])
            raise ValueError(f"bindgen: cannot evaluate initialiser '{expr}' for {struct}")

    # -- functions ---------------------------------------------------------
    def _inherit_docs(self):
        """`@return As patron_x().` (or `@brief As patron_x(), ...`): a function
        documented by reference to a sibling takes that sibling's return text
        and the docs of the parameters they share by name."""
        by_name = {f["name"]: f for f in self.functions}

        def tkey(f, p):
            t = p["type"]
            return (f["file"], p["name"], t["base"], t["ptr"], t["const"])
        # an undocumented parameter takes the docs of the same parameter (name
        # and type) of a documented function in the same header
        known = {}
        for f in self.functions:
            for p in f["params"]:
                if p["name"] in f["doc"]["params"]:
                    known.setdefault(tkey(f, p), f["doc"]["params"][p["name"]])
        for f in self.functions:
            for p in f["params"]:
                if p["name"] not in f["doc"]["params"] and tkey(f, p) in known:
                    f["doc"]["params"][p["name"]] = dict(known[tkey(f, p)])
        for _ in range(3):  # chains of references
            for f in self.functions:
                doc = f["doc"]
                mm = re.match(r"As (patron_\w+)\(\)", doc["returns"] or doc["brief"])
                if not mm or mm.group(1) not in by_name or mm.group(1) == f["name"]:
                    continue
                src = by_name[mm.group(1)]["doc"]
                if not re.search(r"PATRON_(OK|E[A-Z]+)\b", doc["returns"]):
                    doc["returns"] = doc["returns"] + " (" + src["returns"] + ")" if doc["returns"] else src["returns"]
                for p in f["params"]:
                    if p["name"] not in doc["params"] and p["name"] in src["params"]:
                        doc["params"][p["name"]] = dict(src["params"][p["name"]])

    def _classify(self, f):
        doc = f["doc"]
        ret = self.resolve(f["ret"])
        f["status"] = (ret["base"] == "int" and ret["ptr"] == 0 and
                       bool(re.search(r"PATRON_(OK|E[A-Z]+)\b", doc["returns"] + doc["details"])))
        f["ret_free"] = bool(ret["ptr"] and not ret["const"] and "patron_free" in doc["returns"])
        ov = OVERRIDES.get(f["name"], {})
        for p in f["params"]:
            t = self.resolve(p["type"])
            p["rtype"] = t
            p["kind"] = self.kind(t["base"]) if t["base"] != "..." else "vararg"
            p["role"] = self._role(f, p, doc["params"].get(p["name"]))
        ps = f["params"]
        for p in ps:
            p["role"] = ov.get(p["name"], p["role"])
        # [list: COUNT, ...]: a returned array of T; the count parameter is consumed
        for p in ps:
            if p["role"] == "out_struct_array":
                cnt = next(c for c in ps if c["name"] == p["count"])
                if cnt["role"] != "out_scalar" or cnt["kind"] != "int":
                    raise ValueError(f"{f['file']}:{f['line']}: {f['name']}(): the count '{cnt['name']}' of "
                                     f"'{p['name']}' must be an [out] [value] integer")
                cnt["hidden"] = True
        f["outs"] = [p for p in f["params"] if p["role"].startswith("out_") and p["role"] != "out_array"
                     and not p.get("hidden")]
        # `const T *f(..., size_t *count)`: an array of T whose length is the out count
        f["ret_count"] = None
        cnt = [p for p in f["outs"] if p["role"] == "out_scalar" and p["kind"] == "int"]
        if (not f["status"] and ret["ptr"] == 1 and self.kind(ret["base"]) == "struct" and len(cnt) == 1
                and len(f["outs"]) == 1 and re.match(r"(n|count|len|length|n_\w+)$", cnt[0]["name"])):
            f["ret_count"] = cnt[0]
        f["ins"] = [p for p in f["params"] if p not in f["outs"] and not p.get("hidden")]
        # trailing pointer inputs documented as accepting NULL are optional
        for p in reversed(f["ins"]):
            ptext = doc["params"].get(p["name"], {}).get("text", "")
            if p["rtype"]["ptr"] and re.search(r"\bNULL\b", ptext) and p["name"] != "...":
                p["optional"] = True
            else:
                break
        f["handle_arg"] = None
        for n, o in self.destructor.items():
            if o == f["name"]:
                f["destroys"] = n
        f.setdefault("destroys", None)

    # -- binding annotations ----------------------------------------------
    def _role(self, f, p, pdoc):
        """A parameter's role, from its type and its annotation in the header:
        `@param[DIR] name [TAG] text` (TAGS below). A pointer whose type does not
        settle its role without an annotation fails generation."""
        t, k = p["rtype"], p["kind"]
        where = f"{f['file']}:{f['line']}: {f['name']}(): parameter '{p['name']}'"
        tag = (pdoc or {}).get("tag")
        d = (pdoc or {}).get("dir", "")
        if p["name"] == "..." or t["fn"] is not None or k == "fnptr" or not t["ptr"]:
            if tag:
                raise ValueError(f"{where}: [{tag['kind']}] annotates a parameter that is not a pointer")
            return "in"
        if t["ptr"] == 1 and k == "opaque" and not tag:
            return "in"  # a handle
        if t["ptr"] == 1 and t["const"] and (t["base"] == "char" or k in ("int", "float", "enum")) and not tag:
            return "in"  # a string, or an input array the caller passes (any length)
        if not tag:
            raise ValueError(f"{where}: pointer parameter without a binding annotation; document it as "
                             "`@param[in|out|in,out] NAME [TAG] ...` with TAG one of " + ", ".join(TAGS))
        kind, args = tag["kind"], tag["args"]
        if kind not in TAGS:
            raise ValueError(f"{where}: unknown annotation [{kind}] (known: {', '.join(TAGS)})")
        if d not in ("in", "out", "in,out"):
            raise ValueError(f"{where}: [{kind}] needs an explicit direction (@param[in], [out] or [in,out])")

        def need(cond, what):
            if not cond:
                raise ValueError(f"{where}: [{kind}{': ' + ', '.join(args) if args else ''}] {what}")
        if kind == "handle":
            need(k == "opaque" and t["ptr"] == 2 and d == "out" and not args, "needs @param[out] `T **` of an opaque T")
            return "out_handle"
        if kind == "string":
            need(t["base"] == "char" and t["ptr"] == 2 and d == "out" and args in (["owned"], ["borrowed"]),
                 "needs @param[out] `char **` and [string: owned] or [string: borrowed]")
            p["frees"] = args == ["owned"]
            return "out_string"
        if kind == "list":
            need(k == "struct" and t["ptr"] == 2 and d == "out" and len(args) == 2 and args[1] in ("owned", "borrowed")
                 and any(c["name"] == args[0] for c in f["params"]),
                 "needs @param[out] `T **` of a struct and [list: COUNT_PARAM, owned|borrowed]")
            p["frees"] = args[1] == "owned"
            p["count"] = args[0]
            return "out_struct_array"
        if kind == "array":
            need(len(args) == 1 and t["ptr"] == 1 and k in ("int", "float", "enum", "struct"),
                 "needs a pointer to numbers or structs and one length: [array: LEN]")
            p["len"] = self._length(f, args[0], where)
            if d == "in":
                need(t["const"], "an input array must be const")
                return "in"
            need(d == "out" and not t["const"], "an output array must be @param[out] and not const")
            return "out_array" if k != "struct" else "out_struct_buffer"
        if kind == "value":
            need(t["ptr"] == 1 and not args, "needs a pointer to one value")
            if d == "out":
                need(not t["const"] and k in ("int", "float", "enum", "struct"), "an output must be a non-const number or struct")
                return "out_struct" if k == "struct" else "out_scalar"
            need(d == "in,out" or t["const"], "a non-const input is @param[in,out]")
            return "in"
        if kind == "buffer":
            need(t["base"] == "char" and t["ptr"] == 1 and not t["const"] and d == "out", "needs @param[out] `char *`")
            return "in"  # a caller-provided text buffer
        if kind == "strings":
            need(t["base"] == "char" and t["ptr"] == 2 and d == "in", "needs @param[in] `const char *const *`")
            return "in"
        if kind == "stream":
            need(t["ptr"] == 1 and k == "unknown", "needs a `FILE *`")
            return "in"
        if kind == "bytes":
            need(t["ptr"] == 1 and k == "void", "needs a `void *`")
            return "in"
        raise AssertionError(kind)

    def _length(self, f, expr, where):
        """An array length: `PARAM` (an integer parameter), `PARAM->FIELD`
        (a field of a struct parameter) or `rows(PARAM)` (patron_frame_rows()
        of a frame parameter). Returned parsed: (form, param, field)."""
        names = {q["name"]: q for q in f["params"]}
        mm = re.fullmatch(r"(\w+)", expr) or re.fullmatch(r"(\w+)->(\w+)", expr) or re.fullmatch(r"rows\((\w+)\)", expr)
        if not mm or mm.group(1) not in names:
            raise ValueError(f"{where}: array length '{expr}' is not PARAM, PARAM->FIELD or rows(PARAM)")
        q = self.resolve(names[mm.group(1)]["type"])
        if expr.startswith("rows("):
            if q["base"] != "patron_frame" or q["ptr"] != 1:
                raise ValueError(f"{where}: rows({mm.group(1)}) needs a patron_frame parameter")
            return ("rows", mm.group(1), None)
        if "->" in expr:
            s = self.structs.get(q["base"])
            if not s or q["ptr"] != 1 or not any(x["name"] == mm.group(2) for x in s["fields"]):
                raise ValueError(f"{where}: '{expr}' is not a field of a struct parameter")
            return ("field", mm.group(1), mm.group(2))
        if self.kind(q["base"]) != "int" or q["ptr"]:
            raise ValueError(f"{where}: array length '{expr}' is not an integer parameter")
        return ("param", mm.group(1), None)

    def classes(self):
        """Handle classes: for each opaque type, its constructors (functions
        with an out-handle of that type) and methods (functions whose first
        input is that type), with names stripped of `patron_` and the type's
        stem: patron_txlog_add_batch -> Txlog.add_batch."""
        out = []
        for tname in self.opaque:
            stem = tname[len("patron_"):] if tname.startswith("patron_") else tname
            cls = "".join(w.capitalize() for w in stem.split("_"))
            ctors, methods = [], []
            for f in self.functions:
                short = f["name"][len("patron_"):] if f["name"].startswith("patron_") else f["name"]
                if short.startswith(stem + "_"):
                    short = short[len(stem) + 1:]
                if not short or short in ("free", "close", "handle", "closed") or f["destroys"]:
                    continue
                ins = f["ins"]
                if ins and ins[0]["rtype"]["base"] == tname and ins[0]["rtype"]["ptr"] == 1 \
                        and ins[0]["role"] == "in":
                    methods.append((short, f))
                elif f["status"] and len(f["outs"]) == 1 and f["outs"][0]["role"] == "out_handle" \
                        and f["outs"][0]["rtype"]["base"] == tname:
                    ctors.append((short, f))
            out.append({"type": tname, "name": cls, "stem": stem, "ctors": ctors, "methods": methods,
                        "free": self.destructor.get(tname), "doc": self.opaque[tname]["doc"]})
        return out

    def all_names(self):
        return {f["name"] for f in self.functions}


def out_name(p):
    n = re.sub(r"^out_?", "", p["name"])
    return n or "value"
