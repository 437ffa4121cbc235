import Foundation
import WharfModel
import WharfProtocol
import WharfState

/// ECS's ExecuteCommand, as `wharf exec` uses it: which container of which task a session runs
/// its command in, checked as ECS checks it.
extension ClusterState {
    /// ECS's message for a task whose execute command is off (or whose container does not run).
    static let execNotEnabled =
        "The execute command failed because execute command was not enabled when the task was run or the execute "
        + "command agent isn’t running. Wait and try again or run a new task with execute command enabled and try "
        + "again."

    /// The command to run for an ExecuteCommand request, the instance whose agent runs it, and the
    /// answer without its session.
    func execTarget(
        _ request: ECS.ExecuteCommandRequest
    ) throws(ECSError) -> (start: ExecStart, instanceArn: String, response: ECS.ExecuteCommandResponse) {
        guard let text = request.command, !text.trimmingWhitespace().isEmpty else {
            throw ECSError(.invalidParameter, "command is required: the command to run in the container")
        }
        guard request.interactive == true else {
            throw ECSError(.invalidParameter, "Interactive is the only mode supported currently.")
        }
        let command = try Self.commandWords(text)
        let cluster = try activeCluster(request.cluster)
        let task = try task(request.task, cluster: cluster.name)
        guard task.enableExecuteCommand == true, task.lastStatus == .running, task.desiredStatus == .running,
            let instance = task.instance
        else {
            throw ECSError(.invalidParameter, Self.execNotEnabled)
        }
        let container: ContainerRecord
        if let name = request.container {
            guard let named = task.containers.first(where: { $0.name == name }) else {
                throw ECSError(.invalidParameter, "The container \(name) is not in the task.")
            }
            container = named
        } else {
            guard task.containers.count == 1, let only = task.containers.first else {
                throw ECSError(
                    .invalidParameter,
                    "The task has more than one container: name the one to run the command in (container)."
                )
            }
            container = only
        }
        guard container.lastStatus == .running, let runtimeId = container.runtimeId else {
            throw ECSError(.invalidParameter, Self.execNotEnabled)
        }
        let taskArn = arn(of: task)
        let start = ExecStart(
            sessionId: "",
            taskArn: taskArn,
            containerName: container.name,
            runtimeId: runtimeId,
            command: command,
            tty: false
        )
        let response = ECS.ExecuteCommandResponse(
            clusterArn: context.clusterARN(task.cluster),
            containerArn: context.ecsARN("container", "\(task.cluster)/\(task.id)/\(container.id)").description,
            containerName: container.name,
            interactive: true,
            taskArn: taskArn
        )
        return (start, instances.arn(of: instance, cluster: task.cluster), response)
    }

    /// The managed agent a container of a task with execute command shows, as ECS's
    /// `ExecuteCommandAgent`: RUNNING while the container runs (Wharf's agent does its work).
    func execAgent(_ container: ContainerRecord, of task: TaskRecord) -> ECS.ManagedAgent {
        ECS.ManagedAgent(
            lastStartedAt: container.lastStatus == .running ? task.startedAt : nil,
            name: "ExecuteCommandAgent",
            lastStatus: container.lastStatus == .running ? "RUNNING" : container.lastStatus.rawValue
        )
    }

    /// The words of an ExecuteCommand `command`: split at white space, with single and double
    /// quotes keeping theirs together and a backslash taking the next character as it is; no
    /// shell runs it (give `sh -c '…'` for one).
    static func commandWords(_ text: String) throws(ECSError) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in text {
            if escaped {
                word.append(character)
                escaped = false
            } else if character == "\\" && quote != "'" {
                escaped = true
                inWord = true
            } else if let open = quote {
                if character == open { quote = nil } else { word.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character.isWhitespace {
                if inWord { words.append(word) }
                word = ""
                inWord = false
            } else {
                word.append(character)
                inWord = true
            }
        }
        guard quote == nil, !escaped else {
            throw ECSError(.invalidParameter, "command has an unclosed quote or a trailing backslash: \(text)")
        }
        if inWord { words.append(word) }
        return words
    }
}
