//! The generated operations decode their responses through the client's own function, not
//! progenitor-client's.
//!
//! progenitor's `send()` ends in `ResponseValue::from_response`, which reads the body and
//! decodes it with serde_json, with no way to choose another decoder. This pass points every
//! such call at a function of the client crate with the same signature
//! (`crate::response_decoding::response_value`), so that the client decides how a body is
//! decoded (with sonic-rs behind a feature) while the generated code stays as progenitor wrote
//! it everywhere else.

use syn::visit_mut::VisitMut;

/// The path every `ResponseValue::from_response` call is pointed at.
pub const DECODER: &str = "crate::response_decoding::response_value";

/// Rewrites the calls in `items`; how many it rewrote.
pub fn rewrite(items: &mut [syn::Item]) -> usize {
    let mut rewriter = Rewriter {
        decoder: syn::parse_str(DECODER).expect("a Rust path"),
        rewritten: 0,
    };
    for item in items {
        rewriter.visit_item_mut(item);
    }
    rewriter.rewritten
}

struct Rewriter {
    decoder: syn::Path,
    rewritten: usize,
}

impl VisitMut for Rewriter {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        if let syn::Expr::Path(path) = &mut *call.func {
            let segments: Vec<String> = path
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            if segments.ends_with(&["ResponseValue".to_string(), "from_response".to_string()]) {
                path.path = self.decoder.clone();
                self.rewritten += 1;
            }
        }
        syn::visit_mut::visit_expr_call_mut(self, call);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_from_response_call_is_pointed_at_the_client_s_decoder() {
        let mut file: syn::File = syn::parse_quote! {
            impl Builder {
                async fn send(self) -> Result<ResponseValue<T>, Error<T>> {
                    match status {
                        200u16 => ResponseValue::from_response(response).await,
                        400u16 => Err(Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        )),
                        _ => Err(Error::UnexpectedResponse(response)),
                    }
                }
            }
        };
        assert_eq!(rewrite(&mut file.items), 2);
        let text = prettyplease::unparse(&file);
        assert!(!text.contains("ResponseValue::from_response"), "{text}");
        assert_eq!(text.matches(DECODER).count(), 2, "{text}");
    }
}
