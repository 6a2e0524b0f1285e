import Intent

/// One spec per behaviour family, plus a multi-resource and a documents service: what the generator must turn into
/// a service that type-checks and whose manifest the platform accepts.
enum SpecTable {
    static let done = Field("done", .boolean, default: .boolean(false))

    static let tasks = ServiceSpec("tasks-api", resources: [
        Resource("task", fields: [Field("title", .text, required: true), Field("due", .datetime), done],
                 operations: Operation.crud + [.count(.flag("done", false)), .filter(.flag("done", false)), .count(.flag("done", true))],
                 behaviours: [.toggle(field: "done")]),
    ])
    static let notes = ServiceSpec("notes-api", resources: [
        Resource("note", fields: [Field("title"), Field("body")], operations: Operation.crud + [.search(field: "title")]),
    ])
    static let expenses = ServiceSpec("expenses-api", resources: [
        Resource("expense", fields: [Field("amount", .number, required: true), Field("date", .datetime), Field("note")],
                 operations: Operation.crud + [.sum(field: "amount"), .count(nil), .filter(.compare("amount", .greater, 100))]),
    ])
    static let products = ServiceSpec("products-api", resources: [
        Resource("product", fields: [Field("name", required: true), Field("price", .number, default: .number(0))],
                 operations: Operation.crud + [.filter(.byField("category")), .count(nil)]),
    ])
    static let kv = ServiceSpec("kv-store", behaviours: [.keyValue, .expiry(seconds: 1)])
    static let kvPlain = ServiceSpec("kv-plain", behaviours: [.keyValue])
    static let counter = ServiceSpec("counter", behaviours: [.counter(CounterSpec(start: 10, steps: [.increment, .decrement, .reset]))])
    static let links = ServiceSpec("short-links", resources: [
        Resource("link", fields: [Field("url", .url, required: true)], operations: [.create, .list, .read, .delete],
                 behaviours: [.shortCodes(length: 6), .redirect(status: 301)]),
    ])
    static let text = ServiceSpec("text-tools", behaviours: [.textStatistics([.words, .sentences]), .textTransforms([.slugify, .changeCase])])
    static let converter = ServiceSpec("converter", behaviours: [.unitConversion([.temperature, .length])])
    static let lookup = ServiceSpec("lookup", behaviours: [
        .lookupTable(key: "colours", value: "hex_codes", entries: [LookupEntry("red", "ff0000"), LookupEntry("green", "00ff00")]),
    ])
    static let lookupOpen = ServiceSpec("codes", behaviours: [.lookupTable(key: "country_codes", value: "names", entries: [])])
    static let uptime = ServiceSpec("uptime-example-com", behaviours: [.check(url: "https://example.com")])
    static let fetch = ServiceSpec("fetch-example-com", behaviours: [.fetch(url: "http://127.0.0.1:8080/status")])
    static let webhook = ServiceSpec("orders-webhook", behaviours: [.webhookReceiver])
    /// "A webhook whose submissions are kept and listed": a receiver and the documents store it keeps events in.
    static let keptWebhook = ServiceSpec("submissions-webhook", resources: [
        Resource("submission", fields: [], operations: [.list, .read, .delete], behaviours: [.documents]),
    ], behaviours: [.webhookReceiver])
    static let shop = ServiceSpec("customers-api", resources: [
        Resource("customer", fields: [Field("name", required: true), Field("email")]),
        Resource("order", fields: [Field("total", .number), Field("paid", .boolean, default: .boolean(false))],
                 operations: Operation.crud + [.sum(field: "total")], behaviours: [.toggle(field: "paid")]),
    ])
    static let documents = ServiceSpec("submissions", resources: [
        Resource("submission", fields: [Field("email"), Field("total", .number)], operations: Operation.crud + [.count(nil)],
                 behaviours: [.documents]),
    ])
    static let expiring = ServiceSpec("notes-api", resources: [
        Resource("note", fields: [Field("text"), Field("link", .url)], behaviours: [.expiry(seconds: 600)]),
    ])
    /// Field names the store also uses for itself elsewhere: a filter here, not the page size; a typed column, not documents.
    static let budgets = ServiceSpec("budgets-api", resources: [Resource("budget", fields: [Field("name"), Field("limit", .number), Field("data")])])
    /// Names as people write them: they become safe columns, tables and paths.
    static let oddNames = ServiceSpec("odd-names", resources: [
        Resource("to-do item", fields: [Field("Start Date", .datetime), Field("2nd", .number), Field("it's", .text)],
                 operations: Operation.crud + [.search(field: "it's"), .filter(.compare("2nd", .lessOrEqual, -1.5))], behaviours: [.toggle(field: "Done!")]),
    ])
    static let notesV1 = ServiceSpec("notes", resources: [Resource("note", fields: [Field("title", .text, required: true), Field("body")])])

    static let all: [ServiceSpec] = [tasks, notes, expenses, products, kv, kvPlain, counter, links, text, converter, lookup, lookupOpen,
                                     uptime, fetch, webhook, keptWebhook, shop, documents, expiring, budgets, oddNames]

    /// Specs as the request grammar reads everyday requests: the generator must take whatever it produces.
    static let requests = [
        "create a notes API where each note has a title and a body",
        "I want to keep track of expenses with an amount, a date and a note, and see the total amount",
        "a products API where each product has a required name and a price (number) defaulting to 0",
        "a bookmarks API: each bookmark has a url and a title; search by title",
        "a books API where each book has a title and a rating; show books with rating over 4",
        "a customers and orders API",
        "a products API with name and price, filterable by category and with the number of products",
        "a tasks API with a title and a due date; tasks can be marked complete; list the unfinished ones and count how many are done",
        "a to-do list: add tasks, tick them off, and see how many remain",
        "a shopping list where items can be crossed off; show only the remaining ones",
        "a key-value store where keys expire after 1 s",
        "a store whose entries expire",
        "a notes API where each note has a text and expires after 10 minutes",
        "A counter: each hit increments and returns the count; a reset endpoint.",
        "a tally that increments and decrements, starting from 5",
        "build a converter",
        "text statistics",
        "build text tools to slugify and count words",
        "a URL shortener",
        "short links that redirect with 301",
        "a fixed table that maps colours to hex codes: red to ff0000, green to 00ff00",
        "a lookup table of country codes to names",
        "monitor uptime of https://example.com",
        "an items API where items can be archived",
        "a list of books with title and author where books can be marked as read",
    ]

    static var parsed: [ServiceSpec] {
        requests.compactMap { if case .service(let spec) = RequestParser.parse($0).intent { spec } else { nil } }
    }
}
