/// Classifies a fragment: the language (Pieces `ClassificationSpecificEnum`, a file extension) and whether it is code.
enum Classifier {
    /// Extensions the SDK accepts that we map to; anything else given by a client passes through as is.
    static let textual: Set<String> = ["text", "txt", "md", "markdown", "log", "csv"]

    static func generic(for specific: String) -> String { textual.contains(specific) ? "TEXT" : "CODE" }

    /// A best guess from content, cheap and deterministic.
    static func detect(_ text: String) -> String {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let firstLine = t.prefix(while: { $0 != "\n" })
        if firstLine.hasPrefix("#!") {
            if firstLine.contains("python") { return "py" }
            if firstLine.contains("node") || firstLine.contains("deno") { return "js" }
            return "sh"
        }
        if (t.hasPrefix("{") && t.hasSuffix("}")) || (t.hasPrefix("[") && t.hasSuffix("]")), JSONProbe.isJSON(t) { return "json" }
        if t.hasPrefix("<!DOCTYPE html") || t.lowercased().hasPrefix("<html") { return "html" }
        if t.hasPrefix("<?php") { return "php" }
        if t.hasPrefix("<?xml") { return "xml" }
        let rules: [(String, [String])] = [
            ("swift", ["import Foundation", "func ", "guard let ", "let ", "var "]),
            ("go", ["package main", "func main()", ":= ", "fmt."]),
            ("rs", ["fn main", "let mut ", "impl ", "pub fn ", "use std::"]),
            ("py", ["def ", "import ", "self.", "elif ", "print("]),
            ("ts", ["interface ", ": string", ": number", "export type ", "Deno."]),
            ("js", ["const ", "function ", "=> ", "console.log", "require("]),
            ("java", ["public class ", "public static void main", "System.out.println"]),
            ("c", ["#include <", "int main(", "printf("]),
            ("sql", ["SELECT ", "INSERT INTO ", "CREATE TABLE ", "UPDATE "]),
            ("sh", ["echo ", "fi\n", "then\n", "$(", "export "]),
            ("md", ["# ", "## ", "- [ ]", "```"]),
        ]
        var best = ("text", 0)
        for (lang, markers) in rules {
            let score = markers.reduce(0) { $0 + (t.contains($1) ? 1 : 0) }
            if score > best.1 { best = (lang, score) }
        }
        // One weak marker ("let ", "# ") is not enough to call prose code.
        return best.1 >= 2 ? best.0 : "text"
    }
}

enum JSONProbe {
    static func isJSON(_ s: String) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(s.utf8), options: [.fragmentsAllowed])) != nil
    }
}

import Foundation
