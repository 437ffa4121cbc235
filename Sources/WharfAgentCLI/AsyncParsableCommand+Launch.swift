import ArgumentParser

extension AsyncParsableCommand {
    /// Parses the process's arguments and runs the chosen (sub)command asynchronously, exiting
    /// with a usage message or the command's error, as `main()` does for an `@main` command.
    public static func launch() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
