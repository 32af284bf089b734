#!/usr/bin/env python3
"""Writes include/cascade/detail/preprocessor.hpp: the preprocessor loops of CASCADE_DEFINE_STRUCT.
Macros cannot loop, so each arity is spelled out; raise COLUMNS to adapt wider structs.
    python3 scripts/generate_preprocessor.py > include/cascade/detail/preprocessor.hpp"""
COLUMNS = 128  # members per struct
PARTS = 8      # elements of one (type..., name) pair: a type may hold up to 6 commas

w = print
w("#pragma once")
w("// Written by scripts/generate_preprocessor.py (edit that, not this). Preprocessor only, no includes.")
w("// The few preprocessor loops CASCADE_DEFINE_STRUCT needs: count arguments, take the last of a")
w(f"// parenthesised list and all but the last, apply a macro to each of up to {COLUMNS} arguments.")
w("")
w("#define CASCADE_PP_CAT(a, b) CASCADE_PP_CAT_I(a, b)")
w("#define CASCADE_PP_CAT_I(a, b) a##b")
w("#define CASCADE_PP_COMMA() ,")
w("#define CASCADE_PP_NOTHING()")
w("")
w(f"#define CASCADE_PP_NARG(...) CASCADE_PP_NARG_I(__VA_ARGS__, {','.join(str(i) for i in range(COLUMNS, 0, -1))}, )")
w(f"#define CASCADE_PP_NARG_I({','.join(f'e{i}' for i in range(1, COLUMNS + 1))}, n, ...) n")
w("")
w("// (type..., name): a type may itself hold commas (std::map<K, V>), as in BOOST_HANA_DEFINE_STRUCT.")
w("#define CASCADE_PP_BACK(...) CASCADE_PP_CAT(CASCADE_PP_BACK_, CASCADE_PP_NARG(__VA_ARGS__))(__VA_ARGS__)")
w("#define CASCADE_PP_DROP_BACK(...) CASCADE_PP_CAT(CASCADE_PP_DROP_BACK_, CASCADE_PP_NARG(__VA_ARGS__))(__VA_ARGS__)")
for k in range(1, PARTS + 1):
    ps = ",".join(f"a{i}" for i in range(1, k + 1))
    w(f"#define CASCADE_PP_BACK_{k}({ps}) a{k}")
    w(f"#define CASCADE_PP_DROP_BACK_{k}({ps}) " + ",".join(f"a{i}" for i in range(1, k)))
w("")
w("// CASCADE_PP_FOR_EACH(m, sep, data, x1, ..., xn) -> m(data, x1) sep() m(data, x2) ... m(data, xn)")
w("#define CASCADE_PP_FOR_EACH(m, sep, data, ...) \\")
w("    CASCADE_PP_CAT(CASCADE_PP_FOR_EACH_, CASCADE_PP_NARG(__VA_ARGS__))(m, sep, data, __VA_ARGS__)")
w("#define CASCADE_PP_FOR_EACH_1(m, sep, d, x) m(d, x)")
for k in range(2, COLUMNS + 1):
    w(f"#define CASCADE_PP_FOR_EACH_{k}(m, sep, d, x, ...) m(d, x) sep() CASCADE_PP_FOR_EACH_{k - 1}(m, sep, d, __VA_ARGS__)")
