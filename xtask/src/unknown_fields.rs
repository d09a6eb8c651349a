//! Fields the spec does not know yet, kept on the generated types, and empty by default.
//!
//! A schema with `additionalProperties: {…}` becomes a struct with
//! `#[serde(flatten)] pub extra: Map<String, Value>`: what a response sends beyond the spec is
//! kept (and written back when the value is serialised). typify then drops the struct's
//! `Default` and makes its builder demand `extra`, so that a value can no longer be built
//! without naming a map that is nearly always empty. This pass gives both back: an empty map
//! is the default, in the struct's `Default` and in its builder.

/// Derives `Default` for every struct whose fields are all `Option`s but a flattened map, and
/// makes that map default to empty in the builder of every struct that has one.
pub fn default_to_empty(items: &mut [syn::Item]) {
    let mut flattened = Vec::new();
    for item in items.iter_mut() {
        match item {
            syn::Item::Struct(item) => {
                if let Some(field) = flattened_map(item) {
                    flattened.push((item.ident.to_string(), field));
                    if all_others_optional(item) {
                        add_default_derive(&mut item.attrs);
                    }
                }
            }
            syn::Item::Mod(module) => {
                if let Some((_, items)) = &mut module.content {
                    default_to_empty(items);
                }
            }
            _ => {}
        }
    }
    // The builders live in a `builder` module beside the types.
    for item in items.iter_mut() {
        if let syn::Item::Mod(module) = item
            && module.ident == "builder"
            && let Some((_, builders)) = &mut module.content
        {
            for builder in builders.iter_mut() {
                if let syn::Item::Impl(block) = builder
                    && is_default_impl_of(block, &flattened)
                {
                    let fields: Vec<String> = flattened
                        .iter()
                        .filter(|(name, _)| self_type_is(block, name))
                        .map(|(_, field)| field.clone())
                        .collect();
                    empty_by_default(block, &fields);
                }
            }
        }
    }
}

/// The name of `item`'s `#[serde(flatten)]` field whose type is a `Map`.
fn flattened_map(item: &syn::ItemStruct) -> Option<String> {
    item.fields.iter().find_map(|field| {
        let flatten = field.attrs.iter().any(|attr| {
            attr.path().is_ident("serde")
                && attr
                    .parse_args::<syn::Path>()
                    .is_ok_and(|path| path.is_ident("flatten"))
        });
        let map = matches!(&field.ty, syn::Type::Path(path)
            if path.path.segments.last().is_some_and(|s| s.ident == "Map"));
        let name = field.ident.as_ref()?.to_string();
        (flatten && map).then_some(name)
    })
}

fn all_others_optional(item: &syn::ItemStruct) -> bool {
    item.fields.iter().all(|field| match &field.ty {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "Option" || s.ident == "Map"),
        _ => false,
    })
}

fn add_default_derive(attrs: &mut Vec<syn::Attribute>) {
    let derives_default = attrs.iter().any(|attr| {
        attr.path().is_ident("derive")
            && attr
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                )
                .is_ok_and(|paths| paths.iter().any(|p| p.is_ident("Default")))
    });
    if !derives_default {
        attrs.push(syn::parse_quote!(#[derive(Default)]));
    }
}

fn self_type_is(block: &syn::ItemImpl, name: &str) -> bool {
    matches!(&*block.self_ty, syn::Type::Path(path) if path.path.is_ident(name))
}

fn is_default_impl_of(block: &syn::ItemImpl, types: &[(String, String)]) -> bool {
    let is_default = block
        .trait_
        .as_ref()
        .is_some_and(|(path, _)| path.segments.last().is_some_and(|s| s.ident == "Default"));
    is_default && types.iter().any(|(name, _)| self_type_is(block, name))
}

/// In `block`'s `fn default() -> Self { Self { … } }`, each of `fields` set to
/// `Ok(Default::default())`.
fn empty_by_default(block: &mut syn::ItemImpl, fields: &[String]) {
    for item in &mut block.items {
        let syn::ImplItem::Fn(function) = item else {
            continue;
        };
        for statement in &mut function.block.stmts {
            let syn::Stmt::Expr(syn::Expr::Struct(value), _) = statement else {
                continue;
            };
            for field in &mut value.fields {
                if let syn::Member::Named(ident) = &field.member
                    && fields.iter().any(|name| ident == name)
                {
                    field.expr = syn::parse_quote!(Ok(::std::default::Default::default()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flattened_map_is_empty_by_default_in_the_type_and_its_builder() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(Clone, Debug)]
                pub struct Thing {
                    pub a: ::std::option::Option<String>,
                    #[serde(flatten)]
                    pub extra: ::serde_json::Map<String, ::serde_json::Value>,
                }
                #[derive(Clone, Debug)]
                pub struct Strict {
                    pub a: String,
                    #[serde(flatten)]
                    pub extra: ::serde_json::Map<String, ::serde_json::Value>,
                }
                pub mod builder {
                    impl ::std::default::Default for Thing {
                        fn default() -> Self {
                            Self {
                                a: Ok(Default::default()),
                                extra: Err("no value supplied for extra".to_string()),
                            }
                        }
                    }
                    impl ::std::default::Default for Other {
                        fn default() -> Self {
                            Self { extra: Err("kept".to_string()) }
                        }
                    }
                }
            }
        };
        default_to_empty(&mut file.items);
        let text = prettyplease::unparse(&file);
        assert!(
            text.contains("#[derive(Default)]\n    pub struct Thing"),
            "{text}"
        );
        assert!(
            !text.contains("#[derive(Default)]\n    pub struct Strict"),
            "{text}"
        );
        assert!(
            text.contains("extra: Ok(::std::default::Default::default())"),
            "{text}"
        );
        assert!(!text.contains("no value supplied for extra"), "{text}");
        assert!(text.contains("Err(\"kept\".to_string())"), "{text}");
    }
}
