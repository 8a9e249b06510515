package grading

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// A clause is a stretch of a response that does one thing: a sentence, or
// the part of a sentence on one side of a "but". Raters read responses
// this way, and the grader's acts are recognised clause by clause.
type clause struct {
	// text is the clause as written, for evidence.
	text string
	// norm is the clause lowercased, with contractions and texting
	// shorthand spelt out and punctuation dropped, words separated by
	// single spaces and padded with one space at each end so that
	// patterns can match whole words with " word ".
	norm string
	// sentence is the index of the sentence the clause belongs to.
	sentence int
	// question marks a clause in a sentence that ends with "?".
	question bool
	// contrast marks a clause introduced by but, however, although and
	// the like: what follows may undo what came before.
	contrast bool
}

// splitClauses cuts a response into clauses.
func splitClauses(s string) []clause {
	var out []clause
	for i, sent := range splitSentences(s) {
		question := strings.HasSuffix(strings.TrimRightFunc(sent, func(r rune) bool {
			return unicode.IsSpace(r) || r == '"' || r == '\'' || r == ')' || r == '’' || r == '”'
		}), "?")
		for _, piece := range splitPauses(sent) {
			for j, part := range splitContrast(piece) {
				norm := normalize(part.text)
				if strings.TrimSpace(norm) == "" {
					continue
				}
				out = append(out, clause{
					text:     strings.TrimLeft(strings.TrimSpace(part.text), ",;:-–— "),
					norm:     norm,
					sentence: i,
					question: question,
					contrast: part.contrast || (j == 0 && startsContrast(norm)) || strings.Contains(strings.ReplaceAll(norm, " even though ", " "), " though "),
				})
			}
		}
	}
	return out
}

// splitSentences cuts at sentence punctuation and line breaks, keeping the
// punctuation with its sentence.
func splitSentences(s string) []string {
	var out []string
	start := 0
	emit := func(end int) {
		if t := strings.TrimSpace(s[start:end]); t != "" {
			out = append(out, t)
		}
		start = end
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		next := i + size
		switch {
		case r == '.' || r == '!' || r == '?' || r == '…':
			// Take the whole run (?!, ..., ?!?) and a closing quote.
			for next < len(s) && strings.ContainsRune(".!?…\"'’”)", rune(s[next])) {
				next++
			}
			if next >= len(s) || s[next] == ' ' || s[next] == '\n' || s[next] == '\t' {
				emit(next)
			}
		case r == '\n':
			emit(next)
		}
		i = next
	}
	emit(len(s))
	return out
}

// splitPauses cuts a sentence at semicolons and at dashes used as pauses
// ("I was late - that's on me"), not at hyphens inside words.
func splitPauses(sent string) []string {
	var out []string
	start := 0
	for i := 0; i < len(sent); {
		r, size := utf8.DecodeRuneInString(sent[i:])
		next := i + size
		spaced := i > 0 && sent[i-1] == ' ' && next < len(sent) && sent[next] == ' '
		if r == ';' || r == '—' || r == '–' || (r == '-' && spaced) {
			out = append(out, sent[start:i])
			start = next
		}
		i = next
	}
	return append(out, sent[start:])
}

type part struct {
	text     string
	contrast bool
}

// contrastMarkers open a clause that may take back the one before it.
var contrastMarkers = []string{
	", but ", " but ", ", however", " however,", " however ", ", although ", " although ",
	", though ", ", though,", ", yet ", " it's just that ", " its just that ", " it is just that ",
	", except ", " that said", " having said that", " even so,",
	" it’s just that ",
}

// splitContrast cuts a sentence before each contrast marker.
func splitContrast(sent string) []part {
	lower := asciiLower(sent)
	var parts []part
	start := 0
	contrast := false
	for i := 0; i < len(lower); i++ {
		for _, m := range contrastMarkers {
			if strings.HasPrefix(lower[i:], m) && i > start {
				parts = append(parts, part{sent[start:i], contrast})
				start, contrast = i, true
				i += len(m) - 1
				break
			}
		}
	}
	parts = append(parts, part{sent[start:], contrast})
	return parts
}

// asciiLower lowercases ASCII letters only, so that byte offsets in the
// result are offsets in s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func startsContrast(norm string) bool {
	for _, w := range []string{" but ", " however ", " although ", " though ", " yet ", " still "} {
		if strings.HasPrefix(norm, w) {
			return true
		}
	}
	return strings.HasSuffix(norm, " though ")
}

// expansions spells out contractions, with or without the apostrophe, and
// texting shorthand. Ambiguous bare forms ("ill", "id", "were", "well") are
// left alone.
var expansions = map[string]string{
	"i'm": "i am", "im": "i am", "i've": "i have", "ive": "i have", "i'd": "i would",
	"i'll": "i will", "you're": "you are", "youre": "you are", "you've": "you have",
	"youve": "you have", "you'd": "you would", "youd": "you would", "you'll": "you will",
	"youll": "you will", "we're": "we are", "we've": "we have", "weve": "we have",
	"we'll": "we will", "we'd": "we would", "they're": "they are", "theyre": "they are",
	"it's": "it is", "its": "it is", "that's": "that is", "thats": "that is",
	"there's": "there is", "theres": "there is", "what's": "what is", "whats": "what is",
	"how's": "how is", "hows": "how is", "who's": "who is", "where's": "where is",
	"he's": "he is", "she's": "she is", "let's": "let us", "lets": "let us",
	"don't": "do not", "dont": "do not", "doesn't": "does not", "doesnt": "does not",
	"didn't": "did not", "didnt": "did not", "isn't": "is not", "isnt": "is not",
	"aren't": "are not", "arent": "are not", "wasn't": "was not", "wasnt": "was not",
	"weren't": "were not", "werent": "were not", "can't": "can not", "cant": "can not",
	"cannot": "can not", "won't": "will not", "wont": "will not", "wouldn't": "would not",
	"wouldnt": "would not", "couldn't": "could not", "couldnt": "could not",
	"shouldn't": "should not", "shouldnt": "should not", "haven't": "have not",
	"havent": "have not", "hasn't": "has not", "hasnt": "has not", "hadn't": "had not",
	"hadnt": "had not", "should've": "should have", "shouldve": "should have",
	"could've": "could have", "couldve": "could have", "would've": "would have",
	"wouldve": "would have", "must've": "must have", "mustve": "must have",
	"ain't": "is not", "u": "you", "ur": "your", "ya": "you", "gonna": "going to",
	"wanna": "want to", "gotta": "got to", "kinda": "kind of", "sorta": "sort of",
	"tho": "though", "thru": "through", "cos": "because", "coz": "because",
	"cuz": "because", "bc": "because", "ok": "okay", "k": "okay", "kk": "okay",
	"pls": "please", "plz": "please", "rly": "really", "sry": "sorry", "thx": "thanks",
	"ty": "thank you", "tbh": "to be honest", "idk": "i do not know", "omg": "oh my god",
	"y'all": "you all", "atleast": "at least", "alot": "a lot",
}

// normalize prepares a clause for matching; see clause.norm.
func normalize(s string) string {
	var b strings.Builder
	b.WriteByte(' ')
	word := make([]rune, 0, 16)
	flush := func() {
		if len(word) == 0 {
			return
		}
		w := strings.Trim(string(word), "'")
		word = word[:0]
		if w == "" {
			return
		}
		if x, ok := expansions[w]; ok {
			w = x
		} else if strings.HasSuffix(w, "'s") {
			w = strings.TrimSuffix(w, "'s")
		} else {
			w = strings.ReplaceAll(w, "'", "")
		}
		b.WriteString(w)
		b.WriteByte(' ')
	}
	for _, r := range s {
		switch {
		case r == '’' || r == '‘' || r == '\'' || r == '`':
			word = append(word, '\'')
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			word = append(word, unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	out := b.String()
	// "should of" is a common spelling of "should've".
	for _, m := range []string{"should", "could", "would", "must"} {
		out = strings.ReplaceAll(out, " "+m+" of ", " "+m+" have ")
	}
	if out == " " {
		return ""
	}
	return out
}

// stopwords carry no content when comparing a response with the client's
// line.
var stopwords = wordSet(`a about above after again against all am an and any are as at be because been
before being below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it itself just me more most
my myself no nor not of off on once only or other our ours out over own same she should so some such than that
the their theirs them then there these they this those through to too under until up very was we were what
when where which while who whom why will with would you your yours yourself okay really like know think
get got go going one thing things even also well yeah yes oh um uh mean feel felt feeling time
said say saying tell told want wanted way much lot bit kind sort something anything everything right`)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// contentWords returns the stems of the words in a normalised text that
// carry content.
func contentWords(norm string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(norm) {
		if len(w) < 3 || stopwords[w] {
			continue
		}
		m[stem(w)] = true
	}
	return m
}

// stem is a crude suffix stripper: enough to match "waiting" with "waited"
// and "cancelled" with "cancel", which is all the grader asks of it.
func stem(w string) string {
	for _, suf := range []string{"ingly", "edly", "ing", "ed", "ly", "es", "s"} {
		if strings.HasSuffix(w, suf) && len(w)-len(suf) >= 3 {
			w = strings.TrimSuffix(w, suf)
			break
		}
	}
	// cancell → cancel, stopp → stop
	if n := len(w); n >= 4 && w[n-1] == w[n-2] && !strings.ContainsRune("aeiou", rune(w[n-1])) {
		w = w[:n-1]
	}
	return w
}
