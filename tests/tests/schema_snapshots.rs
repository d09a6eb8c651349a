//! One snapshot per generated type of its JSON Schema (schemars). A spec change that changes a
//! type fails `cargo test` here until the new snapshot is accepted with `cargo insta review`.

use workspace_tests::generated_type_schemas;

#[test]
fn json_schema_of_every_generated_type() {
    let schemas = generated_type_schemas();
    assert!(!schemas.is_empty());
    for (name, schema) in schemas {
        insta::assert_json_snapshot!(name, schema);
    }
}
