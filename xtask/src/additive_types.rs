//! Spec changes that downstream crates survive: every generated shape is `#[non_exhaustive]`.
//!
//! typify's structs have public fields and its enums are exhaustive, so an optional property
//! or an enum value added to the spec breaks every struct literal and every `match` in the
//! crates that depend on the client: each spec edit a major release. aws-sdk-rust evolves its
//! APIs by marking every shape `#[non_exhaustive]` and building values through builders; this
//! pass does the same to the generated `types` (typify already writes a builder per struct).
//! Downstream code reads fields and matches variants as before, builds structs with
//! `Type::builder()` (or `Default` and field assignment), and gives every `match` a `_` arm.
//! Code inside the client crate is unaffected.

/// Marks every struct with named fields and every enum directly in the `types` module
/// `#[non_exhaustive]` (newtype wrappers, which the spec cannot grow, stay as they are).
pub fn mark(items: &mut [syn::Item]) {
    for item in items.iter_mut() {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        if module.ident != "types" {
            continue;
        }
        let Some((_, types)) = &mut module.content else {
            continue;
        };
        for item in types.iter_mut() {
            let attrs = match item {
                syn::Item::Struct(item) if matches!(item.fields, syn::Fields::Named(_)) => {
                    &mut item.attrs
                }
                syn::Item::Enum(item) => &mut item.attrs,
                _ => continue,
            };
            if !attrs
                .iter()
                .any(|attr| attr.path().is_ident("non_exhaustive"))
            {
                attrs.push(syn::parse_quote!(#[non_exhaustive]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structs_and_enums_of_the_types_module_are_non_exhaustive() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct Thing { pub a: Option<String> }
                pub struct Wrapper(pub String);
                pub enum Level { A, B }
                pub mod builder {
                    pub struct Thing { a: Result<Option<String>, String> }
                }
            }
            pub struct Client { baseurl: String }
        };
        mark(&mut file.items);
        let text = prettyplease::unparse(&file);
        assert!(
            text.contains("#[non_exhaustive]\n    pub struct Thing {"),
            "{text}"
        );
        assert!(
            text.contains("#[non_exhaustive]\n    pub enum Level"),
            "{text}"
        );
        assert!(
            !text.contains("#[non_exhaustive]\n    pub struct Wrapper"),
            "{text}"
        );
        assert!(
            !text.contains("#[non_exhaustive]\n        pub struct Thing"),
            "{text}"
        );
        assert!(
            !text.contains("#[non_exhaustive]\npub struct Client"),
            "{text}"
        );
    }
}
