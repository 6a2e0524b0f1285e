-- POSTs the JSON body in the BODY environment variable to the URL's path.
wrk.method = "POST"
wrk.body = os.getenv("BODY")
wrk.headers["Content-Type"] = "application/json"
