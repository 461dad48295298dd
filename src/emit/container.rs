//! What every target's containers are held to, whatever runs them.

use crate::ir::{ImageSource, RecipeKind, Service};

/// What svc builds runs on a read-only file system, as a function on Vercel does: only `/tmp`
/// is writable. Not a Next.js server: it writes the pages it regenerates (ISR) into
/// `.next/server`, among the files it serves. An image or Dockerfile of the user's may write
/// anywhere, so it keeps a writable one too.
pub fn writable_dirs(service: &Service) -> Option<Vec<String>> {
    let ImageSource::Recipe(recipe) = service.image_source() else {
        return None;
    };
    if matches!(recipe.kind, RecipeKind::Next { .. }) {
        return None;
    }
    Some(vec!["/tmp".to_string()])
}
