// The offline engine's request grammar (issue #17, item 1). Pure: no I/O, no model.
//
// `RequestParser.parse(_:)` reads a plain-English request in three steps:
// 1. `Tokenizer` splits it into typed tokens: words (lowercased, singular: "notes" → "note"), slugs ("notes-api"),
//    numbers, durations ("1 s", "5 minutes", "an hour"), clock times, IANA zones, URLs, paths ("/report"), quoted text,
//    comparators ("over 100", "at least 18", ">=") and punctuation ("counter:" is a word and a colon). Articles are kept
//    as tokens that patterns skip.
// 2. Rules, tried in order, each claim the tokens they understand: a change to an existing service ("add a field
//    priority to notes-api", "make the counter start at 10"), an event rule (a webhook, its conditions and targets), a
//    scheduled call (`SchedulePhrase` plus check/fetch/call), then a new service: short links, converter, text tools,
//    lookup table, counter, key-value store, URL check, and records (resources with typed fields, operations and
//    behaviours). Field lists are read after "with", "has", "where each X has", "containing" and "fields:".
// 3. Whatever no rule claimed and is not a filler word is reported in `ParseResult.unknown` (as a word, an unsupported
//    field kind such as a photo, or an unsupported behaviour such as sending email), never dropped. An incomplete
//    result carries `closest`: the understood part as a request that parses back to it (`Rephrase.sentence`), or,
//    when nothing fits, the example of the nearest family (`Rephrase.examples`).
//
// The result is a typed `Intent` (Spec.swift): `ServiceSpec`, `EventSpec`, `ScheduledSpec` or `ChangeSpec`. The
// generator and the orchestrator build from it; a stored spec is what a change applies to.
