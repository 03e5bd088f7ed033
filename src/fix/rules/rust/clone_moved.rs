//! `rust.clone-moved`: `.clone()` where the notes say a value was moved or borrowed. Answers:
//! E0382, E0502/E0499/E0505/E0506. Fix: `.clone()` at the move or borrow site the notes point at.
//!
//! Why it is safe: rustc names the exact problem at this position; the fix changes only what the
//! message points at, and the heal loop validates it before keeping it.
//!
//! Example: `let b = a; use(a);` → `let b = a.clone(); use(a);`.

use super::*;

/// A value used after a move: cloning it where it moved keeps both uses.
const CLONE_MOVED: f64 = 0.6;
/// A borrow conflict: a clone breaks it, but may hide shared state meant to change.
const CLONE_BORROWED: f64 = 0.45;
/// Borrowing instead of moving compiles only if the receiver takes a reference.
const BORROW_PENALTY: f64 = 0.15;

/// `.clone()` where the notes say a value was moved or borrowed.
pub struct CloneMoved;

impl Rule for CloneMoved {
    const META: RuleMeta =
        RuleMeta::new("rust.clone-moved", FixApplicability::Likely).language(TargetLanguage::Rust);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        clone_at_move(error, program).unwrap_or_default()
    }
}

/// The fixes cloning (or borrowing) the value the error says was moved.
fn clone_at_move(error: &CodeError, program: &Program) -> Option<Vec<Fix>> {
    error.location.as_ref()?;
    let (labels, conf): (&[&str], f64) = match code(error) {
        "E0382" => (&["value moved here"], CLONE_MOVED),
        "E0502" | "E0499" | "E0505" | "E0506" => (
            &[
                "immutable borrow occurs here",
                "first mutable borrow occurs here",
                "borrow of",
                "`",
            ],
            CLONE_BORROWED,
        ),
        _ => return None,
    };
    let raw = error.message.split('`').nth(1)?;
    let name: String = raw
        .trim_start_matches(['*', '&'])
        .chars()
        .take_while(|c| is_ident_char(*c))
        .collect();
    if !is_identifier(&name) {
        return None;
    }
    let mut fixes = Vec::new();
    for (file, pos) in note_positions(error, program, labels) {
        let Some(text) = program.files().get(&file) else {
            continue;
        };
        let mut at = pos;
        if text[at..].starts_with('&') {
            at += 1;
            if text[at..].starts_with("mut ") {
                at += 4;
            }
        }
        if !(text[at..].starts_with(name.as_str()) && is_word_at(text, at, name.len())) {
            continue;
        }
        let end = at + name.len();
        fixes.push(fix(
            CloneMoved::META.id,
            format!("clone `{name}` instead of moving or borrowing it"),
            conf,
            vec![edit(&file, end, end, ".clone()")],
        ));
        if code(error) == "E0382" && !text[..pos].ends_with('&') {
            fixes.push(fix(
                CloneMoved::META.id,
                format!("borrow `{name}` instead of moving it"),
                conf - BORROW_PENALTY,
                vec![edit(&file, at, at, "&")],
            ));
        }
    }
    Some(fixes)
}

/// Positions the error's notes point at with a label starting with one of `labels`.
pub(crate) fn note_positions(
    error: &CodeError,
    program: &Program,
    labels: &[&str],
) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for note in &error.notes {
        let mut parts = note.splitn(4, ':');
        let (Some(file), Some(line), Some(col), Some(label)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if !labels.iter().any(|l| label.trim_start().starts_with(l)) {
            continue;
        }
        let (Ok(line), Ok(col)) = (line.parse::<u32>(), col.parse::<u32>()) else {
            continue;
        };
        if program.protected().contains(file) {
            continue;
        }
        if let Some(pos) = program
            .files()
            .get(file)
            .and_then(|t| line_col_to_byte(t, line, col))
        {
            out.push((file.to_string(), pos));
        }
    }
    out
}
