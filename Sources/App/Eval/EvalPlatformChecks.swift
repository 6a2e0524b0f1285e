import Core
import Foundation
import Services

/// Checks of what the platform stores: services, workflows, tasks, runs, secrets.
extension EvalChecks {
    func service(_ sel: ServiceSelector, _ e: ServiceExpectation) async throws {
        var s = try await pick(sel)
        let slug = s["slug"]?.string ?? ""
        if let k = e.kind, s["kind"]?.string != k { throw Failed("service '\(slug)' is a \(s["kind"]?.string ?? "?") service, expected \(k)") }
        if let st = e.status, s["status"]?.string != st {
            // A service between two states (deploying, or restarting after an exit) is judged once it settles; the
            // failure then carries the service's own output, which says why it exited.
            let deadline = Date().addingTimeInterval(EvalChecks.settleSeconds)
            while s["status"]?.string == ServiceStatus.deploying.rawValue, Date() < deadline {
                try await Task.sleep(nanoseconds: 200_000_000)
                s = try await pick(sel)
            }
            if s["status"]?.string != st {
                let tail = (try? await api.get("/api/v1/services/\(slug)/logs?tail=12")["lines"]?.array)?.compactMap(\.string) ?? []
                throw Failed("service '\(slug)' is \(s["status"]?.string ?? "?")\(s["reason"]?.string.map { " (\($0))" } ?? ""), expected \(st)"
                             + (tail.isEmpty ? "" : "; its log ends: " + tail.joined(separator: " | ")))
            }
        }
        for want in e.endpoints ?? [] where !EvalChecks.endpoints(s).contains(where: { EvalChecks.endpoint($0, matches: want) }) {
            let have = EvalChecks.endpoints(s).map { "\($0.method) \($0.path)" }.joined(separator: ", ")
            throw Failed("service '\(slug)' declares no \(want) endpoint (it has: \(have))")
        }
        if let v = e.minVersion, (s["version"]?.int ?? 0) < v { throw Failed("service '\(slug)' is at version \(s["version"]?.int ?? 0), expected ≥ \(v)") }
    }

    func workflow(_ sel: WorkflowSelector, _ e: WorkflowExpectation) async throws {
        let w = try await pick(sel)
        let slug = w["slug"]?.string ?? ""
        if let t = e.hasTrigger, (w["trigger"]?.string != nil) != t {
            throw Failed("workflow '\(slug)' \(t ? "has no trigger" : "has a trigger, expected none")")
        }
        let steps = w["steps"]?.array?.count ?? 0
        if let n = e.minSteps, steps < n { throw Failed("workflow '\(slug)' has \(steps) steps, expected ≥ \(n)") }
        let actions = Set((w["actions"]?.array ?? []).compactMap(\.string))
        for a in e.actions ?? [] {
            let s = try await pick(a)["slug"]?.string ?? ""
            if !actions.contains(s) { throw Failed("workflow '\(slug)' does not link the service '\(s)' (links: \(actions.sorted().joined(separator: ", ")))") }
        }
        if let n = e.minRuns {
            let runs = try await finishedRuns(slug, atLeast: n)
            if let st = e.runStatus, let bad = runs.first(where: { $0["status"]?.string != st }) {
                throw Failed("run \(bad["id"]?.string ?? "") of '\(slug)' \(bad["status"]?.string ?? "?"), expected \(st): \(bad["error"]?.string ?? "")")
            }
        }
    }

    /// Waits until the workflow has at least `n` runs and none of them is still queued or running.
    func finishedRuns(_ workflow: String, atLeast n: Int) async throws -> [JSONValue] {
        let deadline = Date().addingTimeInterval(runTimeout)
        var runs: [JSONValue] = []
        while Date() < deadline {
            runs = try await api.get("/api/v1/runs?workflow=\(workflow)&limit=100")["runs"]?.array ?? []
            if runs.count >= n, runs.allSatisfy({ ["succeeded", "failed", "cancelled"].contains($0["status"]?.string ?? "") }) { return runs }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        throw Failed("workflow '\(workflow)' has \(runs.count) runs (\(runs.compactMap { $0["status"]?.string }.joined(separator: ", "))) after \(Int(runTimeout)) s, expected ≥ \(n) finished")
    }

    func task(_ sel: WorkflowSelector?, _ e: TaskExpectation) async throws {
        var tasks = try await api.get("/api/v1/tasks")["tasks"]?.array ?? []
        if let sel { let w = try await pick(sel)["slug"]?.string; tasks = tasks.filter { $0["workflow"]?.string == w } }
        guard tasks.count == 1 else { throw Failed("expected one task, found \(tasks.count)") }
        let t = tasks[0]
        let zone = t["timezone"]?.string ?? ""
        if let z = e.timezone, zone != z { throw Failed("the task runs in '\(zone)', expected \(z)") }
        if let en = e.enabled, t["enabled"]?.bool != en { throw Failed("the task is \(t["enabled"]?.bool == true ? "enabled" : "disabled")") }
        guard let next = t["nextRun"]?.string, let date = Clock.date(iso8601: next) else { throw Failed("the task has no next run") }
        guard date > Date() else { throw Failed("the task's next run \(next) is in the past") }
        guard let tz = TimeZone(identifier: zone) else { throw Failed("'\(zone)' is not an IANA time zone") }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = tz
        let c = cal.dateComponents([.hour, .minute, .weekday, .day], from: date)
        let local = String(format: "%02d:%02d", c.hour ?? 0, c.minute ?? 0)
        if let want = e.nextLocalTime, local != want { throw Failed("the next run \(next) is \(local) in \(zone), expected \(want)") }
        // Calendar weekdays count from Sunday = 1; the suite counts from Monday = 1.
        let weekday = ((c.weekday ?? 1) + 5) % 7 + 1
        if let days = e.nextWeekdays, !days.contains(weekday) { throw Failed("the next run \(next) falls on weekday \(weekday) in \(zone), expected one of \(days)") }
        if let d = e.nextDay, c.day != d { throw Failed("the next run \(next) falls on day \(c.day ?? 0) in \(zone), expected \(d)") }
    }

    mutating func run(_ sel: WorkflowSelector?, input: JSONValue?, http call: HTTPCall?, _ e: RunExpectation) async throws {
        var selector = sel ?? WorkflowSelector()
        if selector.slug == nil, selector.trigger == nil, let call { selector.trigger = call.service ?? ServiceSelector(kind: "trigger") }
        let w = try await pick(selector)
        let slug = w["slug"]?.string ?? ""
        let before = Set((try await api.get("/api/v1/runs?workflow=\(slug)&limit=1000")["runs"]?.array ?? []).compactMap { $0["id"]?.string })
        if let call {
            _ = try await http(call)
        } else {
            let (status, body) = try await api.send("POST", "/api/v1/workflows/\(slug)/run", ["input": substitute(input ?? .object([:]))])
            guard status == 202 else { throw Failed("starting workflow '\(slug)' answered \(status): \(body.text.prefix(200))") }
        }
        let deadline = Date().addingTimeInterval(runTimeout)
        var run: JSONValue?
        while Date() < deadline {
            let runs = try await api.get("/api/v1/runs?workflow=\(slug)&limit=1000")["runs"]?.array ?? []
            if let r = runs.first(where: { !before.contains($0["id"]?.string ?? "") }) {
                run = r
                if ["succeeded", "failed", "cancelled"].contains(r["status"]?.string ?? "") { break }
            }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        guard let id = run?["id"]?.string else { throw Failed("no run of '\(slug)' started within \(Int(runTimeout)) s") }
        let detail = try await api.get("/api/v1/runs/\(id)")
        let status = detail["status"]?.string ?? "?"
        guard ["succeeded", "failed", "cancelled"].contains(status) else { throw Failed("run \(id) of '\(slug)' is still \(status) after \(Int(runTimeout)) s") }
        if let want = e.status, status != want { throw Failed("run \(id) of '\(slug)' \(status), expected \(want)\(detail["error"]?.string.map { ": \($0)" } ?? "")") }
        let calls = (detail["steps"]?.array ?? []).filter { $0["tool"]?.string == "call_endpoint" && $0["status"]?.string == "ok" }
        if let n = e.calls, calls.count != n { throw Failed("run \(id) of '\(slug)' made \(calls.count) endpoint calls, expected \(n)") }
        let made = calls.compactMap { $0["input"]?["endpoint"]?.string }
        func hit(_ want: String) -> Bool {
            made.contains { m in
                let p = m.split(separator: " ", maxSplits: 1).map(String.init)
                return p.count == 2 && EvalChecks.endpoint((p[0], p[1]), matches: want)
            }
        }
        if let want = e.called, !hit(want) { throw Failed("run \(id) of '\(slug)' never called \(want) (called: \(made.joined(separator: ", ")))") }
        if let not = e.notCalled, hit(not) { throw Failed("run \(id) of '\(slug)' called \(not), expected no such call (called: \(made.joined(separator: ", ")))") }
    }

    func secret(_ sel: ServiceSelector, _ name: String, _ value: String) async throws {
        let s = try await pick(sel)
        let slug = s["slug"]?.string ?? ""
        guard (s["secrets"]?.array ?? []).contains(where: { $0["name"]?.string == name }) else {
            throw Failed("service '\(slug)' does not declare the secret \(name)")
        }
        guard s["status"]?.string == "stopped", s["reason"]?.string?.contains(name) == true else {
            throw Failed("service '\(slug)' is \(s["status"]?.string ?? "?") (\(s["reason"]?.string ?? "no reason")), expected stopped waiting for \(name)")
        }
        let (status, body) = try await api.send("PUT", "/api/v1/secrets/\(name)", ["value": .string(value)])
        guard status == 200 else { throw Failed("setting \(name) answered \(status): \(body.text.prefix(200))") }
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let now = try await api.get("/api/v1/services/\(slug)")
            if now["status"]?.string == "running" { return }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        throw Failed("service '\(slug)' did not start within 30 s of \(name) being set")
    }
}
