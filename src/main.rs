#![deny(unsafe_code)]

mod cli;

#[global_allocator]
static ALLOCATOR: husk::sys::alloc::Recycling = husk::sys::alloc::Recycling::new();

fn main() {
    if let Some(sock) = nsexec::init_socket() {
        husk::init::run(sock);
    }
    std::process::exit(cli::main(std::env::args_os().skip(1).collect()));
}
