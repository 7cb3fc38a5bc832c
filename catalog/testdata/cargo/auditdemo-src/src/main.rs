fn main() {
    let mut buf = itoa::Buffer::new();
    println!("{}", buf.format(helper::twice(21)));
    let _ = std::mem::size_of::<lock_api::GuardSend>();
}
