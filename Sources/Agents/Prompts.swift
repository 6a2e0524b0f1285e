/// The agents' system prompts: Markdown files in `Sources/Agents/Prompts/`, embedded at build time, so what a model
/// is told is reviewed as text and checked by a test against the code (every tool, variable and path they name).
public enum Prompts {
    public static let orchestrator = String(decoding: PackageResources.orchestrator_md, as: UTF8.self)
    public static let codegen = String(decoding: PackageResources.codegen_md, as: UTF8.self)
}
