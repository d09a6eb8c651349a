//! One snapshot per generated type of its JSON Schema (schemars), one test each so that a spec
//! change shows every type it changes at once. A changed type fails `cargo test` here until the
//! new snapshot is accepted with `cargo insta review`.

use enkash_customer_search::types;
use workspace_tests::for_each_generated_type;

macro_rules! json_schema_snapshots {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            #[allow(non_snake_case)]
            fn $name() {
                insta::assert_json_snapshot!(stringify!($name), schemars::schema_for!(types::$name));
            }
        )*
    };
}

for_each_generated_type!(json_schema_snapshots);
