use std::io::Read;

fn main() {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).expect("stdin");
    let words = input.split_whitespace().count();
    println!("{words} words");
}
