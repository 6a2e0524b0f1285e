import Core
import FakeLLM
import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import PiecesAPI
import Testing
import TestSupport

/// Anyone who reaches the Pieces API can name a file as an anchor and have it read into a model's context (and so
/// into the answer): the files that hold credentials must never be read, whatever path leads to them.
@Suite struct AnchorFilePolicyTests {
    @Test func credentialFilesAndTheDataDirectoryAreNeverRead() async throws {
        let dir = try TestPaths.temporaryDirectory("anchor-policy")
        let data = dir + "/data", work = dir + "/work"
        for d in [data, work, work + "/.ssh"] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        let files = [
            "key": (data + "/master.key", "SECRET-MASTER"),
            "ssh": (work + "/.ssh/id_ed25519", "SECRET-SSH"),
            "env": (work + "/.env", "SECRET-ENV"),
            "ok": (work + "/notes.md", "PLAIN-NOTES"),
        ]
        for (path, text) in files.values { try text.write(toFile: path, atomically: true, encoding: .utf8) }
        // Innocent-looking names that lead to the forbidden files.
        let linkToKey = work + "/key.txt", linkToSSH = work + "/ssh.txt", dotted = work + "/sub/../.env"
        try FileManager.default.createSymbolicLink(atPath: linkToKey, withDestinationPath: files["key"]!.0)
        try FileManager.default.createSymbolicLink(atPath: linkToSSH, withDestinationPath: files["ssh"]!.0)
        try FileManager.default.createDirectory(atPath: work + "/sub", withIntermediateDirectories: true)
        // Process state: the server's environment holds its keys; a link to it looks like a plain file name.
        let linkToEnviron = work + "/environ.txt"
        try FileManager.default.createSymbolicLink(atPath: linkToEnviron, withDestinationPath: "/proc/self/environ")
        // A FIFO must not hang the reader; another user's file must not be read with the server's rights.
        let fifo = work + "/pipe.txt", foreign = work + "/theirs.txt"
        #expect(mkfifo(fifo, 0o600) == 0)
        try "SECRET-FOREIGN".write(toFile: foreign, atomically: true, encoding: .utf8)
        let chowned = geteuid() == 0 && chown(foreign, 65534, 65534) == 0  // only root can give a file away

        let fake = try FakeLLMServer([.text(["one"]), .text(["two"])])
        defer { Task { await fake.shutdown() } }
        let llm = LLMSettings(baseURL: fake.baseURL, apiKey: nil, model: "fake-model")
        try await PiecesFixture.with(llm: llm, anchorFiles: AnchorFilePolicy(readsFiles: true, forbiddenRoots: [data])) { f in
            let paths = [files["key"]!.0, files["ssh"]!.0, files["env"]!.0, linkToKey, linkToSSH, dotted, "/proc/self/environ",
                         "/proc/self/cmdline", linkToEnviron, "/etc/hostname", fifo, foreign, files["ok"]!.0]
            let out = try await ask(f, paths: paths)
            let context = fake.requests[0]["messages"]?[0]?["content"]?.string ?? ""
            #expect(context.contains("PLAIN-NOTES"))
            #expect(!context.contains("PATH="), "the process environment reached the model")
            if chowned { #expect(!context.contains("SECRET-FOREIGN"), "another user's file was read") }
            #expect(out.contains("I could not read /proc/self/environ: files in system folders"))
            #expect(out.contains("I could not read \(linkToEnviron): files in system folders"))
            #expect(out.contains("I could not read /etc/hostname: files in system folders"))
            #expect(out.contains("I could not read \(fifo): it does not exist, or it is not a file of yours"))
            if chowned { #expect(out.contains("I could not read \(foreign): it does not exist, or it is not a file of yours")) }
            for secret in ["SECRET-MASTER", "SECRET-SSH", "SECRET-ENV"] {
                #expect(!context.contains(secret), "\(secret) reached the model")
                #expect(!out.contains(secret))
            }
            #expect(out.contains("I could not read \(files["key"]!.0): it is inside OpenPieces' data directory"))
            #expect(out.contains("I could not read \(linkToKey): it is inside OpenPieces' data directory"))
            #expect(out.contains("I could not read \(files["ssh"]!.0): hidden files and folders"))
            #expect(out.contains("I could not read \(linkToSSH): hidden files and folders"))
            #expect(out.contains("I could not read \(dotted): hidden files and folders"))
        }
        // Listening beyond loopback: the client's files are on its own machine; none is read.
        try await PiecesFixture.with(llm: llm, anchorFiles: AnchorFilePolicy(readsFiles: false, forbiddenRoots: [data])) { f in
            let out = try await ask(f, paths: [files["ok"]!.0])
            let context = fake.requests.last?["messages"]?[0]?["content"]?.string ?? ""
            #expect(context.contains("could not be used"))
            #expect(!context.contains("PLAIN-NOTES"))
            #expect(out.contains("this server listens beyond loopback"))
        }
    }

    /// As `pieces ask -f …`: anchors linked to a chat, then a question in it. Returns the streamed answer.
    func ask(_ f: PiecesFixture, paths: [String]) async throws -> String {
        let c = try await f.post("/conversations/create", ["name": "files", "type": "COPILOT"])["id"]!.string!
        for path in paths {
            let a = try await f.post("/anchors/create", ["type": "FILE", "fullpath": .string(path)])
            _ = try await f.call("POST", "/conversation/\(c)/anchors/associate/\(a["id"]!.string!)")
        }
        let ws = try await WSClient(port: f.server.port, path: "/qgpt/stream")
        let out = try await QGPTStreamTests().ask(ws, ["conversation": .string(c), "question": ["query": "summarize these files"]])
        #expect(out.statuses.last == "COMPLETED")
        return out.text
    }
}

@Suite struct AnchorFileReaderTests {
    /// The descriptor checks hold even when the path checks are bypassed (a policy with no roots at all).
    @Test func pseudoFilesystemsAndLinksAreRefusedOnTheOpenedFile() async throws {
        let dir = try TestPaths.temporaryDirectory("anchor-reader")
        let plain = dir + "/plain.txt", link = dir + "/link.txt"
        try "PLAIN".write(toFile: plain, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: plain)
        let reader = AnchorFileReader(policy: AnchorFilePolicy(), maxFileBytes: 1024, maxTotalBytes: 8)
        let results = await reader.read(["/proc/self/status", plain, link, plain])
        guard case .failure = results[0].1 else { Issue.record("read process state: \(results[0].1)"); return }
        guard case .success("PLAIN") = results[1].1 else { Issue.record("plain file: \(results[1].1)"); return }
        guard case .success("PLAIN") = results[2].1 else { Issue.record("a link is followed once, when judged: \(results[2].1)"); return }
        // 5 + 5 bytes reached the 8-byte budget: the fourth is not read.
        guard case .failure(let e) = results[3].1 else { Issue.record("over budget: \(results[3].1)"); return }
        #expect(e.message.contains("already holds"))
    }
}
