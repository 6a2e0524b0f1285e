import Foundation
import Scheduling

/// Scheduled requests: "Every minute check https://example.com and keep a log", "every morning at 8 fetch
/// https://example.com/status", "Every day at 08:00 Europe/Berlin call my /report endpoint", "every 15 minutes call
/// counter POST /counter/visits/increment".
extension Parser {
    static let scheduleWords: Set<String> = [
        "every", "each", "minute", "hour", "day", "daily", "hourly", "weekly", "weekday", "weekend", "morning", "evening", "night",
        "midnight", "noon", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "cron", "once", "week", "at",
        "schedule", "scheduled", "regularly", "o'clock", "oclock",
    ]

    mutating func scheduled() -> Intent? {
        guard let schedule = SchedulePhrase.parse(text) else { return nil }
        let url = (0..<s.count).first { if case .url = s[$0].kind { true } else { false } }
        var action: ScheduledAction?
        if let u = url, case .url(let address) = s[u].kind {
            let checks: Set<String> = ["check", "monitor", "ping", "uptime", "up", "down", "status", "watch", "test", "reachable", "online"]
            let fetches: Set<String> = ["fetch", "get", "download", "call", "request", "hit", "poll", "load", "grab", "read", "scrape"]
            let logs: Set<String> = ["log", "history", "record", "keep", "store", "save", "result"]
            if s.has(checks) {
                action = .check(url: address, keepLog: s.has(logs))
                useAll(checks.union(logs).union(["whether", "if", "is", "and", "it", "result"]))
            } else if s.has(fetches) {
                action = .fetch(url: address)
                useAll(fetches.union(logs).union(["result", "answer", "response"]))
            }
            if action != nil { s.use(u) }
        } else if let call = s.first(["call", "trigger", "run", "ping", "invoke", "request"]) {
            var ref = EndpointRef()
            var used = [call]
            for p in (call + 1)..<s.count where !s.isUsed(p) {
                if case .path(let path) = s[p].kind, ref.path == nil {
                    ref.path = path; used.append(p)
                    if Parser.methods.contains(s.lemma(p - 1)) { ref.method = s.lemma(p - 1).uppercased(); used.append(p - 1) }
                } else if case .slug(let slug) = s[p].kind, ref.service == nil {
                    ref.service = slug; used.append(p)
                } else if case .word(let w) = s[p].kind, ref.service == nil, ref.path == nil, !Vocabulary.filler.contains(w),
                          !Parser.methods.contains(w), !Parser.scheduleWords.contains(w), !["endpoint", "route"].contains(w) {
                    // "call the report endpoint of notes-api": a word before "endpoint" names the path.
                    if ["endpoint", "route"].contains(s.lemma(p + 1)) { ref.path = "/" + s[p].text.lowercased() } else { ref.service = s[p].text.lowercased() }
                    used.append(p)
                }
            }
            if ref.service != nil || ref.path != nil {
                action = .call(ref)
                s.use(used)
                useAll(["endpoint", "route", "of", "on"])
            }
        }
        guard let action else { return nil }
        useSchedule()
        return .scheduled(ScheduledSpec(schedule, action))
    }

    /// The words that spelled the schedule.
    mutating func useSchedule() {
        for p in 0..<s.count {
            let t = s[p]
            switch t.kind {
            case .clock, .zone: s.use(p)
            case .quoted(let q) where (try? CronExpression(q)) != nil: s.use(p)
            case .number, .duration:
                if ["every", "at"].contains(s.lemma(p - 1)) { s.use(p) }
                if case .duration = t.kind, s.lemma(p - 1) == "every" { s.use(p) }
            case .word(let w) where Parser.scheduleWords.contains(w):
                s.use(p)
                if s.lemma(p - 1) == "in" || (w == "morning" || w == "evening" || w == "night") && ["in", "the", "on"].contains(s.lemma(p - 1)) { s.use(p - 1) }
            default:
                break
            }
            if case .zone = t.kind, s.lemma(p - 1) == "in" { s.use(p - 1) }
        }
    }
}
