// The scripted server now lives in the product (`openpieces eval --replay`); tests keep their old name for it.
@_exported import ScriptedLLM

public typealias FakeLLMServer = ScriptedLLMServer
