#pragma once
// A model with 40 associations, generated: a schema mistake must not spell it whole in the report
// (each line of it under 1,000 bytes, check.cmake), only its struct's name.
#include "common.hpp"
#include <boost/preprocessor/cat.hpp>
#include <boost/preprocessor/repetition/repeat.hpp>
#include <boost/preprocessor/stringize.hpp>

#define CASCADE_TEST_CHILD(z, i, _)                                                                            \
    struct BOOST_PP_CAT(Child, i) {                                                                            \
        BOOST_HANA_DEFINE_STRUCT(BOOST_PP_CAT(Child, i), (std::int64_t, id), (std::int64_t, hub_id));          \
    };
#define CASCADE_TEST_HAS_CHILD(z, i, _) c::has_many<BOOST_PP_CAT(Child, i), &BOOST_PP_CAT(Child, i)::hub_id, d::destroy>,
#define CASCADE_TEST_CHILD_MODEL(z, i, _) c::model<BOOST_PP_CAT(Child, i), "children_" BOOST_PP_STRINGIZE(i)>,

BOOST_PP_REPEAT(40, CASCADE_TEST_CHILD, ~)

/// The hub's 40 has_many, each to its own model, then Tail (declared by the case) on `tail_key`.
#define CASCADE_TEST_HUB_ASSOCIATIONS BOOST_PP_REPEAT(40, CASCADE_TEST_HAS_CHILD, ~)
#define CASCADE_TEST_CHILD_MODELS BOOST_PP_REPEAT(40, CASCADE_TEST_CHILD_MODEL, ~)
