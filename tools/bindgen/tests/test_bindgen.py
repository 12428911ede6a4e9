#!/usr/bin/env python3
"""Tests of the generator on a fixture header holding every shape the
library's headers use (tools/bindgen/tests/fixture). Standard library only.
Usage: test_bindgen.py [cc]   (compiles the generated Node glue when cc and
node_api.h are available)."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from model import Model  # noqa: E402

import emit_node  # noqa: E402
import emit_python  # noqa: E402

FIX = HERE / "fixture"
ROOT = HERE.parent.parent.parent


class Fixture(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Model(FIX)
        cls.f = {f["name"]: f for f in cls.m.functions}

    def roles(self, name):
        return {p["name"]: p["role"] for p in self.f[name]["params"]}

    def test_constants_and_enums(self):
        c = {x["name"]: x["py"] for x in self.m.constants}
        self.assertEqual(c["PATRON_FX_MAX"], 1000000)
        self.assertEqual(c["PATRON_FX_NONE"], -2**63)
        self.assertEqual(c["PATRON_FX_NAME"], "fixture")
        e = {v["name"]: v["value"] for v in self.m.enums[-1]["values"]}
        self.assertEqual(e, {"PATRON_FX_A": 1, "PATRON_FX_B": 2, "PATRON_FX_C": 7})
        self.assertEqual(self.m.enums[-1]["values"][1]["doc"]["brief"], "Second (implicit value).")

    def test_options_defaults(self):
        im = self.m.init_macro["patron_fx_options"]
        self.assertEqual(im["values"]["size"], ("sizeof", "patron_fx_options"))
        self.assertEqual(im["values"]["label"], ("value", "w"))
        self.assertEqual(im["values"]["sep"], ("value", ord(",")))
        self.assertEqual(im["values"]["since"], ("value", -2**63))
        self.assertEqual(im["values"]["weights"], ("list", [1, 0, 0, 0]))

    def test_roles(self):
        self.assertEqual(self.roles("patron_fx_new")["out"], "out_handle")
        self.assertTrue(self.f["patron_fx_new"]["params"][1].get("optional"))
        self.assertEqual(self.roles("patron_fx_add")["added"], "out_scalar")
        self.assertEqual(self.roles("patron_fx_add")["ids"], "in")
        r = self.roles("patron_fx_bounds")
        self.assertEqual((r["lo"], r["mid"], r["hi"], r["x"]), ("out_array",) * 3 + ("in",))
        self.assertEqual(self.f["patron_fx_bounds"]["params"][3]["rtype"]["ptr"], 1)  # x[] decays
        self.assertEqual(self.roles("patron_fx_stats")["out"], "out_struct")
        self.assertTrue(self.f["patron_fx_stats_default"]["status"])  # "As patron_fx_stats()"
        self.assertEqual(self.roles("patron_fx_stats_default")["out"], "out_struct")
        self.assertEqual(self.roles("patron_fx_export")["text"], "out_string")
        self.assertTrue(self.f["patron_fx_export"]["params"][1]["frees"])
        self.assertEqual(self.f["patron_fx_table"]["ret_count"]["name"], "count")
        self.assertFalse(self.f["patron_fx_count"]["status"])
        self.assertEqual(self.roles("patron_fx_format")["buf"], "in")
        self.assertEqual(self.m.destructor["patron_fx"], "patron_fx_free")
        r = self.roles("patron_fx_list")
        self.assertEqual(r["out"], "out_struct_array")
        self.assertEqual([p["name"] for p in self.f["patron_fx_list"]["ins"]], ["fx"])
        self.assertEqual([p["name"] for p in self.f["patron_fx_list"]["outs"]], ["out"])
        self.assertEqual(self.roles("patron_fx_configure")["defs"], "in")
        self.assertEqual(self.f["patron_fx_configure"]["params"][1]["len"], ("param", "n", None))
        r = self.roles("patron_fx_copy")
        self.assertEqual((r["out"], r["in"]), ("out_struct_buffer", "in"))
        self.assertEqual([p["name"] for p in self.f["patron_fx_copy"]["outs"]], ["out"])

    def test_unannotated_or_wrong_annotations_fail(self):
        """A pointer whose role its type does not settle must be annotated, and
        the annotation must agree with the type (#18)."""
        cases = [
            (" * @param[out] added [value] Receives the number added.",
             " * @param[out] added Receives the number added.", "without a binding annotation"),
            (" * @param[out] mid [array: n] Midpoints.", " * @param[out] mid [arrays: n] Midpoints.",
             "unknown annotation [arrays]"),
            (" * @param[out] mid [array: n] Midpoints.", " * @param[out] mid [array: count] Midpoints.",
             "array length 'count'"),
            (" * @param[out] mid [array: n] Midpoints.", " * @param mid [array: n] Midpoints.",
             "explicit direction"),
            (" * @param[out] added [value] Receives the number added.",
             " * @param[out] added [array: fx] Receives the number added.", "not an integer parameter"),
            (" * @param[out] text [string: owned] Receives", " * @param[out] text [string] Receives",
             "[string: owned] or [string: borrowed]"),
            (" * @param[in] defs [array: n] Definitions (copied).", " * @param[in] defs Definitions (copied).",
             "without a binding annotation"),
        ]
        src = (FIX / "include" / "patron" / "fixture.h").read_text()
        for old, new, msg in cases:
            self.assertIn(old, src)
            with tempfile.TemporaryDirectory() as d:
                shutil.copytree(FIX, d, dirs_exist_ok=True)
                Path(d, "include", "patron", "fixture.h").write_text(src.replace(old, new, 1))
                with self.assertRaises(ValueError) as cm:
                    Model(d)
                self.assertIn(msg, str(cm.exception))
                self.assertIn("fixture.h:", str(cm.exception))

    def test_classes(self):
        c = {x["name"]: x for x in self.m.classes()}["Fx"]
        self.assertEqual([s for s, _ in c["ctors"]], ["new"])
        self.assertIn("add", [s for s, _ in c["methods"]])
        self.assertIn("count", [s for s, _ in c["methods"]])

    def test_emitted_python_compiles_and_node_glue_builds(self):
        files = {"_ffi.py": emit_python.emit(self.m), "_ffi.pyi": emit_python.emit_stub(self.m),
                 "gen.c": emit_node.emit_c(self.m), "native.d.ts": emit_node.emit_ts(self.m),
                 "classes.js": emit_node.emit_classes_js(self.m)}
        compile(files["_ffi.py"], "_ffi.py", "exec")
        compile(files["_ffi.pyi"], "_ffi.pyi", "exec")
        self.assertIn("def patron_fx_bounds(lo, mid, hi, x, n):", files["_ffi.py"])
        self.assertIn("def patron_fx_new(opts=None):", files["_ffi.py"])
        self.assertIn("patron_fx_export(fx: _Optional[patron_fx]) -> str", files["_ffi.pyi"])
        self.assertIn("export declare function patron_fx_table(): patron_fx_def[];", files["native.d.ts"])
        self.assertIn("def patron_fx_list(fx: _Optional[patron_fx]) -> _List[patron_fx_def]", files["_ffi.pyi"])
        self.assertIn("gs_list_patron_fx_def(env, a_out, (size_t)a_n, 1)", files["gen.c"])
        node = shutil.which("node")
        if node:
            with tempfile.TemporaryDirectory() as d:
                Path(d, "classes.js").write_text(files["classes.js"])
                subprocess.run([node, "--check", str(Path(d, "classes.js"))], check=True)
        cc = os.environ.get("CC") or (sys.argv[1] if len(sys.argv) > 1 else shutil.which("cc"))
        napi = Path(os.environ.get("NODE_INCLUDE_DIR", "/usr/include/node"))
        if not cc or not (napi / "node_api.h").exists():
            self.skipTest("no C compiler or node_api.h: glue not compiled")
        with tempfile.TemporaryDirectory() as d:
            Path(d, "gen.c").write_text(files["gen.c"])
            r = subprocess.run([cc, "-std=c11", "-fsyntax-only", "-Wall", "-Wextra", "-Wpedantic", "-Werror",
                                "-Wshadow", "-Wstrict-prototypes", "-Wmissing-prototypes",
                                "-I", str(FIX / "include"), "-I", str(ROOT / "include" / "patron"),
                                "-I", str(ROOT / "include"), "-I", str(ROOT / "bindings" / "node" / "src"),
                                "-isystem", str(napi), str(Path(d, "gen.c"))], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=1)
