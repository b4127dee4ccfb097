fn main() -> std::process::ExitCode {
    stackc::cli::main()
}
