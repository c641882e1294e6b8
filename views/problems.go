package views

// FileProblem words a number file refused as a whole: numbers' problem
// code ("nophone", "toomanyrows" …) with its args; a file that was not a
// workbook says what it looked like ("hint": text, html).
func FileProblem(lang Lang, code string, args map[string]any) string {
	key := "numbers.file." + code
	if hint := argText(lang, args["hint"]); hint != "" {
		if _, ok := catalogs[lang][key+"."+hint]; ok {
			key += "." + hint
		}
	}
	if _, ok := catalogs[lang][key]; !ok {
		key = "numbers.file.unreadable"
	}
	return Say(lang, key, args)
}

// RejectReason words why a row was not sent: numbers' reason code
// ("too_short", "duplicate" …) with its args.
func RejectReason(lang Lang, code string, args map[string]any) string {
	key := "numbers.reason." + code
	if _, ok := catalogs[lang][key]; !ok {
		key = "numbers.reason.unknown"
	}
	return Say(lang, key, args)
}

// ImportError words why an import stopped, from its recorded code and
// args: a file problem ("file.<code>"), a batch the platform refused or
// could not take ("batch", args "answer": client.ErrorCode's code), or
// "interrupted" / "internal".
func ImportError(lang Lang, code string, args map[string]any) string {
	switch {
	case len(code) > 5 && code[:5] == "file.":
		return FileProblem(lang, code[5:], args)
	case code == "batch":
		return Say(lang, "numbers.imports.error.batch", map[string]any{"problem": PlatformError(lang, argText(lang, args["answer"]))})
	}
	return Msg(lang, "numbers.imports.error."+code)
}
