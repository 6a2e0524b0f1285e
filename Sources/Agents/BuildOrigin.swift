import Services

/// Who commissioned the code-generation agent, recorded with the version it deploys. A task-local because the
/// request reaches `Codegen.build` through the agent loop and a tool that know nothing of chats or repairs:
/// a chat's turn and a repair set it around their work.
public enum BuildOrigin {
    @TaskLocal public static var current: VersionSource?
}
