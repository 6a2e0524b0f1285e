/// Word lists the grammar reads by meaning. All lemmas: lowercased and singular.
enum Vocabulary {
    /// Words that carry no request of their own: never reported as not understood.
    static let filler: Set<String> = [
        "i", "me", "my", "we", "our", "us", "you", "your", "it", "they", "them", "their", "this", "that", "these", "those", "which", "who",
        "whose", "what", "where", "when", "there", "here", "each", "every", "all", "any", "some", "one", "and", "or", "but", "so", "then",
        "also", "too", "just", "only", "with", "to", "of", "for", "in", "on", "at", "by", "from", "into", "as", "per", "via", "about", "is",
        "are", "be", "been", "being", "was", "were", "can", "could", "should", "will", "would", "may", "might", "must", "shall", "do", "doe",
        "does", "please", "want", "need", "like", "let", "create", "build", "make", "give", "write", "generate", "set", "setup", "up", "new",
        "simple", "small", "little", "tiny", "basic", "quick", "quickly", "service", "app", "application", "api", "endpoint", "server",
        "backend", "rest", "restful", "json", "http", "way", "able", "allow", "support", "get", "return", "respond", "reply", "answer",
        "thing", "something", "stuff", "have", "has", "having", "own", "thank", "thanks", "kindly", "also", "how",
        "too", "very", "really", "an", "a", "the", "using", "use", "sqlite", "database", "db", "persist", "persistent", "stored", "which",
        "endpoint", "route", "possible", "exposes", "expose", "offer", "provide", "small", "lightweight", "minimal", "webservice", "web",
        "it", "its", "that", "list", "store", "keep", "add", "save", "via", "whenever", "if", "than", "out", "back", "later",
        "see", "show", "tell", "display", "know", "lets", "i'd", "id", "someone", "anyone", "ive", "im", "ill", "youre", "place", "somewhere", "yet", "already", "still",
    ]

    /// Field kinds the engine cannot store: reported as unknown fields.
    static let unsupportedFieldKinds: Set<String> = [
        "image", "photo", "picture", "file", "attachment", "upload", "video", "audio", "blob", "pdf", "avatar", "document", "binary", "password",
        "permission", "credential",
    ]

    /// Things a service might do that the offline engine cannot: reported as unknown behaviours.
    static let unsupportedBehaviours: Set<String> = [
        "email", "e-mail", "mail", "sms", "text-message", "notify", "notification", "login", "log-in", "signup", "sign-up", "authenticate",
        "authentication", "password", "oauth", "upload", "translate", "translation", "summarize", "summarise", "summary", "pay", "payment",
        "charge", "stripe", "stream", "chat", "scrape", "print", "encrypt", "decrypt", "resize", "thumbnail", "ocr", "transcribe",
        "recommend", "recommendation", "send", "predict", "ai", "llm", "gpt", "websocket", "graphql", "push", "tweet", "slack", "discord",
        "permission", "authorize", "authorise", "authorized", "authorised", "role", "account",
    ]

    /// Phrases of things the offline engine cannot do, found before any other rule so no field list swallows them.
    /// Patterns in `Sentence.find` form.
    static let unsupportedPhrases = ["log|logged in|on|out", "sign|signed in|up|out", "send ... email|mail|message|sms|text|notification",
                                     "text message", "push notification", "credit card",
                                     // Who may use it: every generated service answers anyone who can reach its URL.
                                     "only i|me|we|us|myself|admins", "nobody else", "no one else", "private to me|us", "access control"]

    static let typeWords: [String: FieldType] = [
        "text": .text, "string": .text, "str": .text, "number": .number, "numeric": .number, "integer": .number, "int": .number,
        "float": .number, "decimal": .number, "boolean": .boolean, "bool": .boolean, "flag": .boolean, "checkbox": .boolean,
        "yes/no": .boolean, "true/false": .boolean, "url": .url, "link": .url, "date": .datetime, "datetime": .datetime,
        "timestamp": .datetime, "time": .datetime,
    ]

    static let booleanNames: Set<String> = [
        "done", "completed", "complete", "finished", "active", "archived", "published", "paid", "enabled", "visible", "public", "private",
        "starred", "favorite", "favourite", "pinned", "checked", "verified", "approved", "read", "flagged", "hidden", "resolved",
    ]
    static let numberNames: Set<String> = [
        "price", "amount", "total", "count", "quantity", "qty", "age", "year", "rating", "score", "priority", "cost", "weight", "height",
        "width", "size", "balance", "stock", "level", "duration", "minute", "hour", "percent", "percentage", "calorie",
        "distance", "population", "page", "salary", "budget", "points", "point", "votes", "vote", "rank", "position", "capacity", "value_number",
    ]
    static let urlNames: Set<String> = ["url", "link", "website", "homepage", "href", "site"]
    static let dateNames: Set<String> = [
        "date", "due", "deadline", "birthday", "time", "timestamp", "start", "end", "when", "expires", "expiry", "created", "updated", "dob",
    ]

    /// The type a field's name suggests: "done" is a boolean, "price" a number, "due_date" a date.
    static func inferredType(_ name: String) -> FieldType {
        let last = name.split(separator: "_").last.map(String.init) ?? name
        if name.hasPrefix("is_") || name.hasPrefix("has_") || booleanNames.contains(name) { return .boolean }
        if urlNames.contains(last) { return .url }
        if dateNames.contains(last) || name.hasSuffix("_at") || name.hasSuffix("_on") { return .datetime }
        // "number", "phone_number", "order_number": identifiers, kept as written.
        if last == "number" { return .text }
        if numberNames.contains(last) || name.hasSuffix("_count") { return .number }
        return .text
    }

    /// Ways to say a task is done (the toggle), as lemmas.
    static let doneWords: Set<String> = ["done", "complete", "completed", "finish", "finished", "tick", "ticked", "cross", "crossed", "toggle",
                                         "checked", "closed", "resolved"]
    /// Ways to say not done yet.
    static let openWords: Set<String> = ["remain", "remaining", "left", "open", "pending", "outstanding", "unfinished", "incomplete",
                                         "undone", "todo", "unchecked", "active"]
}
