"""API model shared by the emitters: the parsed headers plus the binding
conventions that follow from libpatron's house rules (DESIGN.md section 3):

- a function returning `int` whose @return names PATRON_OK / PATRON_E* is a
  *status* function: negative results become PatronError;
- `T **out` with T opaque is an out-handle (the binding returns the handle);
  the handle type's destructor is the one-argument `void T_free(T *)` or
  `void patron_close(T *)`-style function;
- `char **out` is an out-string (copied, then released with patron_free()
  when the docs say so);
- a non-const pointer to a struct or a number documented `@param[out]` (or
  named out*) is an out-value returned by the binding, unless its docs say it
  is an array (then the caller passes a buffer: numpy array / TypedArray);
- `T_OPTIONS_INIT`-style `{...}` macros give the defaults of struct T.

Ambiguous cases can be settled in OVERRIDES below (function -> param -> role).
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

_ARRAY_WORDS = re.compile(r"\barray|\bentries\b|\belements\b|\bbuffer\b|\bper[- ]customer|\bone per\b"
                          r"|\beach of\b|\bof length\b|\blength `?n", re.I)


_SCALAR_WORDS = re.compile(r"(On success,? )?(Receives|Set to|Is set to) (the|a|an) (number|count|total|index|"
                           r"size|length|version|id)\b", re.I)


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
        alldoc = " ".join([doc["brief"], doc["details"], doc["returns"]] +
                          [p["text"] for p in doc["params"].values()])
        f["ret_free"] = bool(ret["ptr"] and not ret["const"] and "patron_free" in doc["returns"])
        ov = OVERRIDES.get(f["name"], {})
        for p in f["params"]:
            t = self.resolve(p["type"])
            p["rtype"] = t
            pdoc = doc["params"].get(p["name"], {"dir": "", "text": ""})
            d = pdoc["dir"]
            named_out = d == "out" or (not d and (p["name"].startswith("out") or re.match(
                r"(On success,? )?(Receives|Is set to|Set to|Filled with)\b", pdoc["text"], re.I) is not None))
            base_kind = self.kind(t["base"]) if t["base"] != "..." else "vararg"
            role = "in"
            if t["fn"] is None and base_kind == "opaque" and t["ptr"] == 2 and not any(t["ptr_const"]) and named_out:
                role = "out_handle"
            elif (t["fn"] is None and base_kind == "struct" and t["ptr"] == 2 and not any(t["ptr_const"])
                  and named_out):
                role = "out_struct_array"  # paired with its out count below
                p["frees"] = "patron_free" in pdoc["text"]
            elif t["base"] == "char" and t["ptr"] == 2 and not t["ptr_const"][0] and named_out:
                role = "out_string"
                p["frees"] = "patron_free" in pdoc["text"] or "patron_free" in alldoc
            elif t["ptr"] == 1 and not t["const"] and not t["array"] and named_out:
                if base_kind == "struct":
                    role = "out_struct"
                elif t["base"] == "char":
                    role = "in"  # a caller-provided text buffer
                elif base_kind in ("int", "float", "enum"):
                    role = "out_array" if (_ARRAY_WORDS.search(pdoc["text"]) and not _SCALAR_WORDS.match(
                        pdoc["text"])) else "out_scalar"
            p["role"] = role
            p["kind"] = base_kind
        # Parallel outputs: adjacent same-typed number outputs are all arrays
        # when one of them is documented as an array (holm/bh/bonferroni).
        ps = f["params"]
        i = 0
        while i < len(ps):
            j = i
            while (j < len(ps) and ps[j]["role"] in ("out_scalar", "out_array")
                   and ps[j]["rtype"]["base"] == ps[i]["rtype"]["base"]):
                j += 1
            if j > i + 1 and any(p["role"] == "out_array" for p in ps[i:j]):
                for p in ps[i:j]:
                    p["role"] = "out_array"
            i = max(j, i + 1)
        for p in ps:
            p["role"] = ov.get(p["name"], p["role"])
        # `T **out, size_t *n`: a returned array of T; the count is consumed
        for p in ps:
            if p["role"] == "out_struct_array":
                cnt = [c for c in ps if c["role"] == "out_scalar" and c["kind"] == "int"]
                if len(cnt) == 1:
                    p["count"] = cnt[0]["name"]
                    cnt[0]["hidden"] = True
                else:
                    p["role"] = "in"
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
