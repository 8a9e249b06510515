package grading

import (
	"regexp"
	"strings"
)

// An act is what a clause does, in the terms raters use when they code
// therapist speech: reflecting a feeling, owning a mistake, justifying
// oneself, redirecting. The offline grader recognises acts by their common
// shapes and scores the response from the acts it finds.
type act int

const (
	actFeeling    act = iota // reflects what the client feels
	actNotice                // notices a withdrawal: "you went quiet", "that was a quick yes"
	actNormalize             // says the reaction makes sense
	actUnspoken              // names what it meant: not mattering, being alone
	actAppreciate            // thanks the client for raising it
	actToken                 // formulaic acknowledgement: "I hear you", "I understand"
	actReassure              // reassurance in place of understanding
	actInvalidate            // says the reaction is wrong or exaggerated
	actOwn                   // owns a specific act of the therapist's
	actApology               // apologises without saying what for
	actWelcome               // welcomes criticism or disagreement
	actPermission            // makes it safe to disagree or be annoyed
	actJustify               // explains or defends the therapist's intentions or actions
	actBlame                 // corrects, blames or lectures the client
	actMinimise              // makes the event smaller
	actNonApology            // "sorry you feel that way", "sorry if"
	actAppease               // drops a boundary to make the feeling go away
	actBoundary              // holds a policy or boundary
	actRedirect              // moves away from the concern
	actSolve                 // jumps to problem-solving
	actCount
)

var actNames = [actCount]string{
	"reflects the feeling", "notices the withdrawal", "says it makes sense", "names what it meant",
	"thanks the client for raising it", "formulaic acknowledgement", "reassurance",
	"invalidates", "owns the therapist's part", "apologises", "welcomes criticism",
	"makes it safe to disagree", "justifies", "corrects or lectures the client", "minimises",
	"non-apology", "appeases", "holds the boundary", "redirects", "jumps to problem-solving",
}

func (a act) String() string { return actNames[a] }

// emotion words name a feeling; reflecting one is the commonest way to
// acknowledge a client's experience.
const emotion = `(?:angry|anger|mad|furious|livid|pissed|annoyed|annoying|irritated|irritating|frustrated|frustrating|frustration|fed up|upset|upsetting|hurt|hurtful|hurting|hurts|painful|pain|sad|sadness|devastated|devastating|wrecked|gutted|heartbroken|crushed|disappointed|disappointing|disappointment|let down|betrayed|abandoned|alone|lonely|isolated|dismissed|dismissive|ignored|invisible|unseen|unheard|misunderstood|judged|blamed|criticised|criticized|attacked|patronised|patronized|patronising|patronizing|talked down to|belittled|embarrassed|embarrassing|ashamed|shame|humiliated|humiliating|guilty|scared|afraid|frightened|frightening|anxious|worried|nervous|overwhelmed|overwhelming|stressed|stressful|exhausted|exhausting|tired|drained|draining|hopeless|helpless|stuck|discouraged|discouraging|defeated|confused|confusing|torn|uncomfortable|awkward|unsafe|rejected|unimportant|undervalued|disrespected|disrespectful|insulted|insulting|offended|steamrolled|pressured|pushed|trapped|empty|numb|raw|heavy|hard|awful|terrible|horrible|rough|tough|difficult|unfair|rubbish|bitter|resentful|hesitant|unsure|reluctant|skeptical|sceptical|flat|lousy|miserable|shit|shitty|crap|crappy|brutal|horrid|grim|sore|stung|cross|hurt|distressed|distressing|down on yourself|a lot|bleak|fragile|shaken|shaky|rattled|jarring|hollow|deflated|powerless|fobbed off|brushed off|shut out|left out|kicked out|overlooked|sidelined|taken for granted|not good enough|like a failure|failing|stupid|silly|ridiculous|pointless|useless|a waste|invalidated|abrupt|rejection|a rejection|abandonment|condescending|childish|like school|like a kid|like a child|talked down|put on the spot|on the spot|cornered|exposed|an idiot|idiot|foolish|disrespect|isolated|a strong feeling|strong|big|not working|not helping|sick of|fed up with|unwelcome|unwanted|unloved|not enough|too much|mixed up|conflicted|ambivalent|guarded|defensive|wary|sceptical|cautious|tense)`

// patterns compiles pattern strings written as lowercase words with
// regular-expression alternation, where "_" stands for one word, "…" for
// up to three words and EMO for an emotion word. Each pattern must match
// whole words of a normalised clause.
func patterns(ps ...string) *regexp.Regexp {
	alts := make([]string, len(ps))
	for i, p := range ps {
		p = strings.ReplaceAll(p, " … ", ` (?:\S+ ){0,3}`)
		p = strings.ReplaceAll(p, "_", `\S+`)
		p = strings.ReplaceAll(p, "EMO", emotion)
		alts[i] = p
	}
	// Normalised clauses start and end with a space; "^" and "$" in a
	// pattern anchor it to the clause's ends.
	return regexp.MustCompile(`(?:^|\s)(?:` + strings.Join(alts, "|") + `)(?:\s|$)`)
}

// actPatterns recognise each act in a normalised clause.
var actPatterns = func() (ps [actCount]*matcher) {
	for a, src := range actSources {
		ps[a] = newMatcher(src)
	}
	return ps
}()

// A matcher tries a list of patterns one at a time, skipping those whose
// literal words the text lacks. One regular expression holding hundreds of
// alternatives is many times slower to run.
type matcher struct {
	pats []literalPattern
}

type literalPattern struct {
	re   *regexp.Regexp
	must []string // words that must occur for re to match
	// first holds the words a match can start with, each preceded by a
	// space; nil when they cannot be told from the source.
	first []string
	// anchored is re anchored at the start of the text, to be tried only
	// where one of the first words occurs.
	anchored *regexp.Regexp
}

func newMatcher(srcs []string) *matcher {
	m := &matcher{}
	for _, src := range srcs {
		p := literalPattern{re: patterns(src), must: literalWords(src), first: firstWords(src)}
		if p.first != nil {
			p.anchored = regexp.MustCompile(`^\s` + strings.TrimPrefix(p.re.String(), `(?:^|\s)`))
		}
		m.pats = append(m.pats, p)
	}
	return m
}

// firstWords returns the words a pattern's match must start with: its
// leading word, or each alternative of a leading group.
func firstWords(src string) []string {
	if strings.HasPrefix(src, "^") || strings.Contains(stripGroups(src), "|") {
		return nil
	}
	lead := func(alt string) (string, bool) {
		n := 0
		for n < len(alt) && 'a' <= alt[n] && alt[n] <= 'z' {
			n++
		}
		if n == 0 || (n < len(alt) && strings.ContainsRune("?*{", rune(alt[n]))) {
			// Nothing to go on, or the last letter is optional.
			return "", false
		}
		return " " + alt[:n], true
	}
	if !strings.HasPrefix(src, "(?:") {
		if w, ok := lead(src); ok && !strings.HasPrefix(src[len(w)-1:], "?") {
			return []string{w}
		}
		return nil
	}
	// Find the leading group's end; an optional group tells nothing.
	depth, end := 0, -1
	for i := 0; i < len(src); i++ {
		if src[i] == '(' {
			depth++
		} else if src[i] == ')' {
			depth--
			if depth == 0 {
				end = i
				break
			}
		}
	}
	if end < 0 || (end+1 < len(src) && strings.ContainsRune("?*{", rune(src[end+1]))) {
		return nil
	}
	inner := src[3:end]
	var alts []string
	depth, start := 0, 0
	for i := 0; i < len(inner); i++ {
		switch inner[i] {
		case '(':
			depth++
		case ')':
			depth--
		case '|':
			if depth == 0 {
				alts = append(alts, inner[start:i])
				start = i + 1
			}
		}
	}
	alts = append(alts, inner[start:])
	var words []string
	for _, a := range alts {
		w, ok := lead(a)
		if !ok {
			return nil
		}
		words = append(words, w)
	}
	return words
}

// MatchString reports whether any pattern matches the normalised text.
func (m *matcher) MatchString(norm string) bool {
	for _, p := range m.pats {
		if p.matches(norm) {
			return true
		}
	}
	return false
}

// FindString returns the text of the first match, or "".
func (m *matcher) FindString(norm string) string {
	for _, p := range m.pats {
		if p.mayMatch(norm) {
			if s := p.re.FindString(norm); s != "" {
				return s
			}
		}
	}
	return ""
}

func (p literalPattern) mayMatch(norm string) bool {
	for _, w := range p.must {
		if !strings.Contains(norm, w) {
			return false
		}
	}
	if p.first == nil {
		return true
	}
	for _, w := range p.first {
		if strings.Contains(norm, w) {
			return true
		}
	}
	return false
}

func (p literalPattern) matches(norm string) bool {
	if !p.mayMatch(norm) {
		return false
	}
	if p.anchored == nil {
		return p.re.MatchString(norm)
	}
	// Try the pattern only where it could start.
	for _, w := range p.first {
		for off := 0; ; {
			i := strings.Index(norm[off:], w)
			if i < 0 {
				break
			}
			if p.anchored.MatchString(norm[off+i:]) {
				return true
			}
			off += i + 1
		}
	}
	return false
}

// literalWords returns the words of a pattern source that stand outside
// any group or class and carry no operator, which every match contains.
func literalWords(src string) []string {
	var words []string
	depth := 0
	var cur strings.Builder
	flush := func(ok bool) {
		if ok && cur.Len() >= 3 {
			words = append(words, cur.String())
		}
		cur.Reset()
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '(' || c == '[':
			flush(false)
			depth++
		case c == ')' || c == ']':
			flush(false)
			depth--
			// A quantifier after a group makes nothing before it certain,
			// but words already collected are outside it.
		case depth == 0 && 'a' <= c && c <= 'z':
			cur.WriteByte(c)
		case depth == 0 && c == ' ':
			// A word followed by a quantifier is optional.
			flush(i+1 >= len(src) || !strings.ContainsRune("?*{", rune(src[i+1])))
		default:
			// Operators or escapes touch the word: not a plain literal.
			if cur.Len() > 0 {
				cur.Reset()
			}
			if c == '\\' {
				i++
			}
		}
	}
	if depth == 0 {
		flush(true)
	}
	// A top-level alternation means no single word is required.
	if strings.Contains(stripGroups(src), "|") {
		return nil
	}
	return words
}

// stripGroups removes parenthesised groups from a pattern source.
func stripGroups(src string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '(':
			depth++
		case ')':
			depth--
		default:
			if depth == 0 {
				b.WriteByte(src[i])
			}
		}
	}
	return b.String()
}

// actSources are the shapes of each act, as patterns. Order within a list
// does not matter; a clause may do several things.
var actSources = [actCount][]string{
	actFeeling: {
		`you (?:must|might|may|would|probably|clearly|obviously|really)? ?(?:have )?(?:be|been|are|were|feel|felt|feeling|seem|seemed|sound|sounded|look|looked|got|get|getting|went|go)(?: \S+){0,3} EMO`,
		`you (?:are|were) (?:so |really |pretty |quite |very |a bit |a little |feeling )?EMO`,
		`(?:that|it|this|the \S+) (?:must|would|might|could|can|probably|does|do|did|really|really can|really does|may)? ?(?:have )?(?:sound|sounds|sounded|be|been|was|is|feel|feels|felt|seem|seems|seemed|land|landed|lands|came across|comes across)(?: \S+){0,3} EMO`,
		`(?:they|these|those|the \S+) (?:must|would|might|probably|really)? ?(?:feel|felt|seem|seemed|sound|sounded|come across|came across)(?: \S+){0,3} EMO`,
		`(?:a|such a|really|very|pretty|so|quite|a really|a very|an) (?:hard|strong|painful|awful|lonely|horrible|heavy|big|difficult|rough|tough|sad|scary|raw|confusing|mixed) (?:feeling|place|thing|spot|position|week|day|weekend|time|moment|experience)`,
		`i hear (?:that )?(?:you|it|they|this|that|the \S+|your) (?:\S+ )?(?:are|is|was|were|have|had|do|does|did|feel|felt|not|did not|do not|does not|are not|is not|want|wanted|need|needed)`,
		`(?:feeling|feel|felt) like (?:you|an|a|nobody|no one|i|it|there)`, `^ (?:\S+ )?(?:being|feeling) (?:\S+ )?EMO(?: \S+)* (?:you|your)`, `(?:you|your)(?: \S+)* (?:being|feeling) (?:\S+ )?EMO`,
		`(?:got|gets|getting|get) to you`, `(?:hit|hits) you (?:hard|badly)`,
		`(?:that|it|this) (?:must|would|might)? ?(?:have )?(?:hurt|hurts|stung|stings|stang)`,
		`sounds? (?:like )?(?:a |an )?(?:\S+ ){0,2}EMO`,
		`(?:how|so|such|really) EMO (?:that|it|this)`,
		`EMO for you`, `feel(?:s|ing)? like a (?:failure|burden)`,
		`(?:what a|such a) (?:\S+ ){0,2}(?:EMO|place to be|thing to)`,
		`you (?:are|were|have been) (?:left|stuck|sitting|carrying|holding)`,
		`you (?:felt|feel|are feeling|were feeling) like`,
		`you (?:do not|did not) (?:see the point|want|like|feel)`,
		`you want (?:a break|the spotlight|some space|to stop|out)`,
		`you (?:are|have been) (?:worried|thinking about|weighing|wondering|not sure)`,
		`(?:part|a part) of you`, `(?:so |and )?(?:it seemed|it seems|it felt|it feels) to you`, `^ (?:so |and |okay so )?you feel \S+`, `you (?:want|wanted|need|needed) (?:a|some|someone|me|to|more|less|an)`, `you are (?:telling|saying) (?:me )?(?:that |i )`,
		`(?:sounds|sounded|seems|seemed|looks) like (?:it|that|this|things|everything|it all) (?:all )?(?:feels|felt|is|was|has been)`, `(?:is|was|that is|it is|that was|that is been) (?:a really|really|such|so|a very|quite|a|such a|an awfully) (?:long|lot|big|hard|difficult|huge|tough) (?:time|deal|thing|ask|wait|amount|way)`,
		`(?:a lot of|so much) money`, `(?:it|that|this) (?:really )?sucks`, `you (?:seem|sound|look|seemed|sounded|looked) (?:a bit |a little |quite |really |pretty |so |kind of |very )?(?:down|low|flat|upset|sad|tired|fed up|quiet|far away|distant|off|worried|stressed|angry|cross|hurt|unsure|lost|heavy|somewhere else|miles away)`,
		`(?:perhaps|maybe|i wonder if|i wonder whether|i suspect) (?:it|this|that) (?:feels|felt|is|was|seems|seemed)`, `i (?:can )?(?:only )?imagine how`, `i hear (?:someone|a person|somebody) who`, `against you`,
		`you (?:are|were|have been) feeling`, `you (?:feel|felt) (?:like|that|as if|as though|so|really|quite|pretty|very|a bit|a little|kind of|sort of|you)`, `you (?:must|might|may|probably) (?:feel|have felt|be feeling|have been feeling)`,
		`(?:it|that|this) (?:must|might|would|may|probably) (?:have )?(?:felt|feel|been|be|seemed|seem) (?:like|as if|as though)`, `(?:sounds|sounded|seems|seemed|looks) like you (?:are|were|have|had|feel|felt|\S+ed)`, `(?:not worth|worthless|a burden|a bother|at the back of|a number|conveyor belt|the bad guy|the problem)`,
	},
	actNotice: {
		`i (?:notice|noticed|am noticing|noticing|sense|sensed|am sensing|get the sense|got the sense|get the feeling|got the feeling|have a feeling|am getting the feeling|wonder if|am wondering if|wondered if)`,
		`(?:you|we) (?:went|go|have gone|got|get|are) (?:a bit |a little |really |pretty |quite )?(?:quiet|silent|flat)`,
		`(?:(?:that|it|this|your) (?:\S+ )?)?(?:did not|does not) (?:sound|seem|feel|look) (?:like )?(?:a )?(?:real|very|totally|completely|entirely|fully|quite|so|that|too)`,
		`(?:that|it|this|your) (?:\S+ ){0,2}(?:sounded|sounds|was|seemed|seems) (?:pretty |a bit |a little |very |quite |really |kind of |sort of )?(?:flat|quick|fast|quiet|hesitant|unsure|like a polite|tentative|unconvincing|half hearted|reluctant|forced)`,
		`(?:you are|you were|you have been|you seem|you sound) (?:describing|talking|speaking|telling|laughing|smiling|joking|moving|changing|rushing|agreeing)`,
		`(?:you|we) (?:moved|move|shifted|jumped|changed) (?:away|on|topics?|subjects?|quickly|pretty quickly|fast)`,
		`you (?:do not|did not) (?:sound|seem|look) (?:very |totally |completely |that |so |too |entirely )?(?:sure|convinced|keen|happy|thrilled|enthusiastic|into)`,
		`you (?:seem|sound|seemed|sounded) (?:a bit |a little |quite |pretty |really |kind of |sort of )?(?:hesitant|unsure|quiet|flat|distant|far away|reluctant|fed up|tired|like)`,
		`(?:quick|quicker|fast|so quick|pretty quick) to (?:agree|say|let me|reassure|move|apologi|let|drop|brush)`, `(?:almost )?from the outside`,
		`you say (?:it is|that is|it was|you are) (?:fine|okay|all good|nothing)`,
		`we (?:moved|move|changed|switched|skipped) (?:away|on|topic|subject)`,
		`(?:moved|moving|change|changed|changing) the subject`, `a quick (?:yes|sure|okay)`,
		`not (?:a )?real (?:yes|okay|sure)`, `(?:are|were) we (?:maybe |perhaps |kind of |a bit |sort of )?(?:avoiding|skirting|dodging|steering|moving away|staying away)`,
		`we (?:keep|kept|seem to|always) (?:ending up|end up|going|coming back|drifting|getting|landing|steering|moving)`, `(?:end|ending) up (?:on|talking|back)`, `whenever we get (?:near|close)`,
		`(?:a good|a welcome|a nice|some|a bit of a|a) distraction`, `you (?:are|have been|keep|kept) (?:apologi[sz]ing|saying sorry|saying|going quiet|changing the subject|laughing|smiling|joking|agreeing)`,
		`(?:lots of|a lot of|so many|a few|plenty of) (?:i guess|sorry|sorrys|apologies|maybes|i dunnos|okays|i do not knows|fines)`, `(?:real|big|quite a) (?:shift|change|difference) from`, `(?:it is|it has|it has gone|it went|things went|things have gone) (?:gone |got |really |very )?(?:quiet|silent|still)`, `(?:sharp|quick|sudden|big|fast) (?:turn|change|shift|swerve|exit)`, `swerved`,
		`we were (?:on|talking about|just on) (?:\S+ ){0,3}(?:a second|a moment|a minute|just now|earlier)`, `(?:came out|came) (?:really |so |pretty |quite )?(?:fast|quick|quickly)`, `you (?:apologi[sz]ed|said sorry|laughed|paused|hesitated|stopped|changed the subject|went quiet|looked away)`,
		`picking up (?:some|a|on)`, `the (?:avoidance|withdrawal|hesitation|pause|silence|quiet)`, `you do not (?:sound|seem|look) (?:\S+ )?(?:fine|okay|ok|alright|good|sure|convinced|happy)`, `(?:said|say) (?:it|that|yes|sure|okay) (?:very |so |quite |pretty |really )?(?:quickly|fast)`, `you are saying yes`, `you (?:agreed|went along|handed|stopped yourself|switched|stepped back|pulled back|brushed|shrugged|backed off|went with)(?: \S+){0,4} (?:fast|quickly|smoothly|straight|right away|straight away|back|into|off|there)`,
		`you (?:tend|seem) to (?:agree|go along|defer|say yes|apologi[sz]e|change|laugh)`, `(?:further|far|a bit far|a long way) away`, `leaving it (?:up )?to me`, `(?:you have|you) said (?:that|it) (?:a couple of|a few|several|three|two|many) times`, `(?:lots|a lot) of quiet`,
		`(?:we|you) (?:drift|drifted|go|went|move|moved|slide|slid) (?:to|into|off|away)`, `you (?:have|have been|are|seem)(?: \S+){0,2} (?:quiet|silent)(?: \S+){0,2} since`, `(?:handed|passed|gave) (?:that|it) (?:straight |right )?back to me`, `(?:talking|talk|talked) about (?:you|it|this) (?:a bit )?like a case study`,
		`(?:laughing|laugh|smiling|smile|joking)(?: \S+){0,4} (?:but|and yet|while)`,
		`(?:sure|fine|okay) or (?:sure|fine|okay)`,
	},
	actNormalize: {
		`(?:makes?|made|making) (?:complete |total |perfect |so much |a lot of |total |complete )?sense`,
		`of course (?:you|that|it|this|anyone|there|i can|i get|i understand)`, `(?:it|that) (?:really )?(?:does|did) (?:feel|sound|seem|matter|hurt|make sense)`, `(?:it|that) does matter`, `understandabl[ey]`, `no wonder`,
		`(?:anyone|anybody|everyone|everybody|most people|who) (?:would|would not|wouldnt|in your)`,
		`i (?:can|could|would|completely|totally|really|do)? ?(?:see|understand|get|imagine) (?:why|how|that it|how that)`,
		`i can see (?:how|why|that)`, `(?:you have|you had|you have got) (?:every|good|a) (?:right|reason)`,
		`every right`, `every reason`, `(?:is|that is|it is|was|that was) (?:a )?(?:completely |totally |really |very |entirely |more than )?(?:fair|reasonable|natural|valid|legitimate|justified|human)`,
		`(?:you are|you were) (?:not wrong|right|allowed|entitled)`, `you are not wrong`,
		`(?:it is|that is|it was) (?:okay|alright|fine|okay) (?:to|if you|that you)`,
		`(?:i would|i would have|i think i would|i might) (?:feel|be|have been|have felt) (?:the same|that way|upset|angry|annoyed|hurt|frustrated)`,
		`(?:a |the )?real answer`, `fair (?:hit|point|question|enough to|to be|call)`,
		`(?:would|will|could) (?:upset|hurt|annoy|frustrate|anger) (?:anyone|anybody)`,
		`(?:totally|completely|really|very) (?:fair|understandable|reasonable|natural|valid)`,
		`(?:i|i can|i do) (?:completely |totally |really )?(?:see|get|understand) (?:how|why) (?:that|it|you|this)`, `(?:is|was) (?:a |the )?(?:real|fair|good|valid|honest) (?:answer|question|point|reaction|response)`, `(?:would|will) (?:make|makes) (?:total |complete |perfect )?sense`,
		`naturally`, `(?:strange|odd|weird|surprising) if (?:you|that|it|there)`, `(?:would not|would not be) (?:be )?surprising`, `i would (?:be|feel|have been|have felt) (?:\S+ ){0,2}(?:too|as well|the same)`, `of course (?:stopping|leaving|going|it|that|they|he|she|we)`, `little wonder`, `hardly surprising`, `not surprising`,
		`who would not`, `in your shoes`, `sounds? (?:exactly )?right`, `is a lot to`,
	},
	actUnspoken: {
		`(?:did not|do not|does not|did not really|would not|not) (?:matter|count|care|come first|rate|register)`,
		`(?:less|not as) (?:important|valuable|worth)`, `counts? for less`, `unimportant`,
		`(?:not|less of) a priority`, `(?:on your own|by yourself|all alone|so alone|left alone|alone with)`,
		`(?:nobody|no one|noone) (?:was )?(?:there|listening|cares|on your side)`, `(?:was|were|are|is) not (?:there|seeing you|on your side|really with you)`,
		`(?:not|was not|were not|am not) (?:seeing|hearing|getting|with) you`, `invisible`, `forgotten`,
		`(?:gone|went|go|taking|took|take|was on|were on|am on) (?:over to )?(?:her|his|their|your (?:mum|mom|dad|father|mother|parent))(?:s)? side`,
		`(?:her|his|their) side (?:over|against|instead of) yours`, `your anger (?:did not|does not|was not|is not)`,
		`(?:rather be|would rather be) (?:somewhere|anywhere) else`, `a burden`, `(?:the|a) problem`,
		`(?:let|letting) you down`, `the one (?:who|that) (?:can be|gets|adapts|always)`,
		`(?:like|as if|as though) (?:you|your|i|nobody|no one|it|the) (?:\S+ ){0,6}(?:matter|count|care|mattered|counted|cared|there|important|priority|seen|heard|alone|wrong|failing|broken|selfish|bad|too much|trouble|nothing|forgotten|burden|disappear)`,
		`(?:what|how much) (?:it|this|that) (?:meant|means|mean) (?:to you|for you)`, `underneath`,
		`(?:more|mostly|partly) for me than`, `(?:please|pleasing|disappoint|disappointing|letting down) me`,
		`(?:let|letting) me off the hook`, `(?:a lot|so much|too much) to (?:carry|hold|laugh off|have laughed off)`,
		`what is made it bearable`, `made it bearable`, `(?:easier|safer|steadier) (?:to talk|than|to say|to think)`,
		`the ground out`, `(?:even )?here(?:,)? the one place`, `the one place`, `(?:still|even) (?:here|in here|with me)`,
		`(?:steamrolled|pushed around|overruled|talked over) by`, `not being (?:heard|seen|taken seriously|believed)`,
		`(?:selfish|short sighted|the bad guy|the villain|ungrateful)`, `(?:easier|safer|less risky|less scary|less painful) (?:to \S+|than)`, `protecting (?:yourself|me|us|him|her)`, `too much to (?:stay|sit|hold|bear|look)`, `(?:an|the) afterthought`, `stopped existing`,
		`(?:counts|matters|belongs) here`, `what you are going through (?:counts|matters)`, `one more (?:name|number|client|case)`, `(?:come|comes|coming) first`,
		`being (?:judged|blamed|dismissed)`,
		`wonder if (?:you|part of you|some part|it|that|this|there|maybe) (?:\S+ ){0,3}(?:were|was|are|is|felt|feel|expecting|expected|worried|worry|scared|afraid|easier|harder|safer|more|means|meant|might)`,
		`like (?:i|me) (?:am|was|were|had been) (?:\S+ )?(?:doubting|judging|blaming|dismissing|not believing|not listening|not hearing|ignoring|taking|saying|telling|pretending|rejecting|choosing|siding|disappointed|fed up|bored|sick|against|not there|not on)`,
		`(?:being told|been told|told) you are (?:wrong|the problem|too much|bad|selfish|not)`, `(?:you|it) did not exist`, `(?:fill|filling) in the blanks`,
		`(?:hate|hated|scared of|afraid of) letting (?:people|anyone|me|others) down`, `(?:polite|easy|safe|safer|easier) way out`, `(?:get|getting|got) (?:therapy|this|it) wrong`,
		`(?:setting|set) tests`, `(?:on|in) your own (?:with|in)`,
	},
	actAppreciate: {
		`thank you for (?:telling|saying|letting|bringing|raising|being|not|pointing|calling|correcting|pushing|sharing|coming|speaking|trusting)`,
		`thanks for (?:telling|saying|letting|bringing|raising|being|not|pointing|calling|correcting|pushing|sharing|coming|speaking|trusting)`,
		`(?:i am|am|really|so) glad you (?:said|told|brought|raised|mentioned|called|corrected|pushed|let|spoke|came|are|were|felt|could|did)`,
		`glad you (?:said|told|brought|raised|mentioned|called|corrected|pushed|let|spoke)`,
		`i (?:really )?(?:appreciate|value|respect) (?:you|that you|it|that|your|how)`, `which i (?:really )?appreciate`,
		`(?:takes|took|that takes|that took) (?:courage|guts|bravery|a lot)`, `(?:brave|courageous) (?:of you|to)`,
		`(?:instead of|rather than) (?:swallowing|sitting on|keeping|bottling|just|quietly|pulling|letting)`,
		`(?:kind|generous) of you`, `(?:you have been|you were|you are being) (?:straight|honest|direct|upfront|open) with me`,
	},
	actToken: {
		`i (?:hear|heard) (?:you|that|what you|ya)`,
		`^ (?:oh |yeah |okay |well |i mean )?i (?:completely |totally |really |fully |do |can )?(?:understand|know|get it|get that|see|hear you|hear that|hear what you)`, `i (?:completely |totally |really |fully )?understand(?: how you feel| where you are coming from| what you mean| that)?$`,
		`(?:your|those) (?:feelings|emotions) are valid`, `(?:that is|it is) valid`, `noted`,
		`i can imagine`, `got it`, `^ (?:aw |oh |well )?(?:thank you|thanks)(?: so much)?(?: that is (?:sweet|kind|nice|lovely))? $`, `fair enough`, `that is interesting`, `interesting`, `mm hmm`, `^ (?:(?:okay|hmm|mm|mmm|right|sure|yes|yeah|alright|ah|oh|ha|haha|huh|wow|gosh|i see|mm hmm|uh huh) ){1,3}$`,
	},
	actReassure: {
		`(?:you are|you were|you have) not (?:a bad|wasting|boring|failing|the only|being|too|a burden|doing anything wrong|a problem)`,
		`not at all`, `do not worry`, `no worries`, `(?:it is|that is|it will be|everything is|everything will be) (?:okay|fine|alright|all right)`,
		`(?:everyone|everybody|we all|lots of people|loads of people|many people|most people) (?:struggles|struggle|feels|feel|has|have|gets|get|goes|go)`,
		`(?:it is|that is) (?:totally |completely |very |really |quite )?(?:normal|common)`,
		`you are doing (?:great|well|fine|amazing|really well|so well|brilliantly)`, `(?:things|it) (?:can|will) (?:change|get better|improve)`,
		`i promise`, `i (?:really )?care about you`, `i am not (?:sick|fed up|bored|angry|upset|mad|annoyed|judging|tired|disappointed)`,
		`one of my favourite`, `no such thing as a bad`, `recovery is not linear`, `look how far you`, `you have come (?:so )?far`,
		`i (?:never|do not) (?:want|wanted) you to feel`,
		`(?:you are|that is) not (?:wasting|a waste)`, `(?:do not|never) beat yourself up`,
	},
	actInvalidate: {
		`(?:you are|you were|you re) (?:overreacting|over reacting|being (?:a bit |too |very |overly |quite )?(?:sensitive|dramatic|unfair|harsh|silly|ridiculous)|jumping to conclusions|avoiding|intellectuali[sz]ing|hiding|deflecting|reading too much|taking (?:it|this) (?:too )?personally|catastrophi[sz]ing|exaggerating|projecting)`,
		`(?:a bit|too|overly|quite|very) sensitive`, `jumping to conclusions`, `(?:that is|this is|it is) not (?:true|what i said|what happened)`,
		`(?:not|is not|was not) what i (?:said|meant)`, `i (?:did not|never) say`, `you (?:misunderstood|misheard|misremember|got it wrong|have got it wrong)`,
		`(?:it is|that is) a (?:defence|defense|pattern)`, `^ come on`, `^ do not be (?:silly|daft|ridiculous|so hard|like that)`, `took it that way`, `take (?:it|this) personally`, `i am not saying (?:\S+ ){0,3}(?:are|is|was|were) (?:wrong|the problem|to blame|bad|at fault)`, `i am not saying (?:you are|that you|it is|that is|you)`, `not saying you are wrong`,
		`(?:must|should) have (?:some|an) (?:feelings|opinion|idea)`, `^ (?:just )?calm down`, `you need to calm down`,
		`(?:think|thought|feel) you (?:might|may|are|might be|may be|could be) (?:a bit|too|being|overly|projecting|reading)`,
		`it is not (?:like|as if) i`, `(?:relief|relieved)(?: \S+){0,4} (?:too|as well|also)`,
	},
	actOwn: {
		`i (?:was|am|have been|had been) (?:\S+ )?(?:late|distracted|rude|wrong|off|dismissive|careless|thoughtless|insensitive|unclear|not clear|not listening|not there|not present|not paying attention|not as present|not fully|not really|preoccupied|elsewhere|miles away|too quick|too fast|pushy|too pushy|clumsy|blunt|quick to|in a rush|rushing|not very|really not)`,
		`i (?:did|do) (?:yawn|look|glance|check|forget|miss|push|do it|do that|say that|say it|cut|interrupt|rush|jump|bring|get|take|make|call)`,
		`i (?:kept|left) you (?:waiting|hanging)`, `i (?:missed|forgot|forgot about|overlooked|ignored|dismissed|interrupted|cut you off|talked over|rushed|pushed|sprang|sprung|steamrolled|skipped|brushed|glossed|jumped|went straight|walked straight|walked past|turned away|looked at|checked|glanced|yawned|cancelled|canceled|called it|got that|got it|got you|missed the mark|misread|misjudged|overstepped|put you|put that|put it|handed|threw|came at|came in|rushed in)`,
		`i (?:did not|did not really|never|have not|had not|was not able to|did not even|have not been) (?:reply|respond|answer|get back|write back|call|check|remember|notic|hear|listen|ask|explain|make (?:it|that|this) clear|make clear|tell you|let you know|bring it up|bring that up|mention|realis|realiz|think|take (?:it|that|this) in|give you|warn|check in|follow up|take the time|catch|quite get|get it|get you|pick up|understand|appreciate|consider|acknowledge)\S*`,
		`i (?:should|should really|could|ought to) (?:have|of) (?:\S+ ){0,2}(?:remembered|checked|asked|told|said|been|replied|responded|answered|called|noticed|listened|explained|made|let|warned|waited|thought|known|realised|realized|followed|given|started|brought|emailed|texted|messaged)`,
		`i (?:should not|should never|should not have|shouldnt have) (?:have )?`,
		`(?:that is|that was|it is|it was|this is|the fault is|the mistake is|that part is) (?:on me|my fault|my mistake|mine|my responsibility)`,
		`(?:my|entirely my|completely my|totally my) (?:fault|mistake|error|responsibility)`, `on me`,
		`i (?:take|accept) (?:full |the |complete )?responsibility`, `i own (?:that|it|this)`, `i (?:messed|screwed|mucked) up`,
		`i (?:made|have made) (?:a |that |the )?(?:mistake|error|wrong call|mess)`, `i (?:dropped|have dropped) the ball`, `i (?:let|have let) you down`,
		`i owe you an apology`, `(?:no|there is no|there was no) (?:good )?(?:excuse|reason for)`, `not (?:going|gonna) to (?:make excuses|explain it away|pretend|defend|justify)`,
		`(?:sorry|apologi[sz]e) (?:i|that i|for|about) (?:was|did|have|had|forgot|missed|kept|left|looked|checked|said|pushed|put|not|being|the|my|my|making|getting|how|what i|that)`,
		`i (?:got|have got|get) (?:that|it|this|you) (?:wrong|so wrong|completely wrong)`,
		`i (?:might|may|could|probably) (?:have|of) (?:\S+ ){0,2}(?:pushed|encouraged|oversimplified|said|come|been|got|gone|rushed|jumped|put|missed|made|moved|sprung|sprang|brought)`,
		`i (?:did|have) (?:kind of|sort of|a bit|definitely|probably|just) (?:\S+ ){0,2}(?:sprang|sprung|pushed|rushed|jumped|put|moved|brought)`,
		`i (?:have been|was|keep|kept) (?:\S+ ){0,2}(?:handing|pushing|throwing|setting|bringing|coming back|suggesting|giving)`,
		`i (?:get|got|can get) (?:a bit |a little )?carried away`, `i (?:came|jumped|went) (?:in|at it|to a|straight)`,
		`i (?:just )?(?:suggested|brought up|asked|pushed|compared|sprang|dropped|threw|said) (?:\S+ ){0,4}(?:without|before|too|so)`,
		`how (?:dismissive|that|it) (?:that )?(?:sounded|came across|must have sounded|landed)`, `(?:i|i just) did (?:it|that|the same thing) (?:again|just now)`,
		`(?:i|we) (?:did|do) (?:it|that) again`, `i (?:can|do) (?:hear|see) how (?:\S+ ){0,2}(?:that|it|i) (?:sounded|came|was|landed)`,
		`i (?:encouraged|steered|nudged|led) (?:that|you|it|us)`, `i called it`, `it is not fine(?: really)?`, `i (?:just )?(?:suggested|brought|asked|said) (?:\S+ ){0,6}without`, `(?:that|it|this) (?:is|was) (?:\S+ )?(?:awful|terrible|careless|rude|unfair|not okay|not fair|thoughtless) of me`, `i (?:just|think i just) did (?:that|it|the same)`, `i (?:ask|asked|push|pushed|rush|rushed|jump|jumped) (?:\S+ )?(?:things )?too (?:fast|quickly|soon|hard|much)`, `(?:said|put|asked|did) (?:it|that|this) too (?:bluntly|fast|quickly|soon|hard|directly)`, `came at (?:it|that|you) too`,
		`i have not (?:earned|been|done|got)`, `(?:something|anything) i (?:said|did|asked|suggested|brought up|have done|have said|did not)`, `(?:^ |^ (?:\S+ ){0,3})(?:did|have|was|am) i (?:\S+ ){0,4}(?:\S+ed|given|taken|spoken|shown|made you|said|did|come|came|put|get|got|miss|push|rush|say|do|make|made|take|took|cut|glance|look|hurt|upset|offend|overstep|steamroll|go|went|been)`,
		`was it (?:something|anything) (?:i|about me|about how i)`, `here i am (?:\S+ing|again)`, `i have not been (?:doing|getting|managing) (?:that|this|it) (?:well|right)`, `i have been (?:\S+ ){0,2}(?:abrupt|blunt|pushy|distracted|quick|rushing|short|off|rubbish|careless)`,
		`i (?:sometimes |often |can )?(?:talk|say|ask|push) (?:more|too much|too fast|too hard)`, `(?:that|this) is on me,? not you`, `(?:i|i have|i just) (?:pushed|rushed|moved|went|jumped|pressed) (?:\S+ ){0,4}(?:too fast|too quickly|too soon|too hard|faster than|before you)`,
		`i am the one (?:who|that) \S+`, `than i (?:realised|realized|thought|expected|knew|made it sound|allowed for)`, `i (?:\S+ ){0,3}kept (?:leaning|pushing|pressing|going on|asking|coming back|bringing)`, `i (?:am|was|have been) (?:making|made) (?:a thing|a big deal|too much)`, `i (?:ran|went|charged|pushed|pressed) (?:on|ahead|right past|past|straight)`, `moved (?:right )?past you`, `i let (?:\S+ ){0,3}(?:slip|slide|drop|fall)`, `(?:pulled|dragged|squeezed|got|pushed) (?:\S+ ){0,2}out of you`, `i (?:totally |completely |just |kind of )?(?:lost track|froze|walked off|walked away|ignored you|left you|forgot you)`,
		`i (?:definitely |really |probably |clearly )?should (?:have|of) (?:\S+ ){0,2}\S+ed`, `i (?:have )?(?:mixed|muddled|confused|jumbled) (?:them|it|up|your|their|the)`, `i (?:have )?got (?:their|your|his|her|the) (?:\S+ )?(?:names?|dates?|details?) (?:wrong|mixed|muddled)`,
		`i (?:brought|raised|mentioned|floated|suggested|said|asked|introduced|sprang|threw) (?:\S+ ){0,4}(?:abruptly|suddenly|quickly|bluntly|too|without|out of nowhere|clumsily|badly|carelessly|fast)`,
		`i (?:have )?(?:probably |definitely |maybe |really )?(?:been )?(?:steering|pushing|leading|herding|driving|rushing|firing|asking a lot|asking loads)`, `my agenda`, `i did (?:\S+ ){0,2}(?:spring|mix|forget|miss|push|look|yawn|check|cut|interrupt|rush|jump|float|take|call|walk|leave|cancel|change|raise|glance)`, `(?:known to|tend to|can|do) get (?:a bit |a little )?carried away`,
		`my (?:suggestion|comment|question|reflection|timing|words|response|reaction|idea|homework|interpretation|feedback|tone|face|expression) (?:\S+ ){0,2}(?:was|felt|came|sounded|seemed|missed|landed|did not|must|might|may|hit|made|pointed|put|left|gave)`,
		`(?:sorry|apologi[sz]e) (?:\S+ ){0,2}(?:it took me|i took|for taking|that i|i did|i was|i have|i had|i kept|i made|i put|i said)`, `(?:that|it|this) was (?:\S+ )?(?:rude|wrong|careless|thoughtless|unfair|not okay|not fair|out of line|a mistake|my mistake|insensitive|clumsy|dismissive|not great|not good)(?: of me)?`,
	},
	actApology: {
		`(?:i am|i am so|i am really|i am very|i am truly|i am deeply|really|so|very|truly)? ?sorry`, `i apologi[sz]e`, `my apologies`, `apologies`, `my bad`, `oops`,
	},
	actWelcome: {
		`(?:you are|you were) (?:absolutely |completely |totally |quite )?right to`, `(?:i|i really|i do|i genuinely|i honestly) want to (?:hear|know|understand) (?:this|it|that|about|more|how|what|from|if|when|whatever)`,
		`i would (?:really |much |genuinely |honestly )?(?:rather|prefer) (?:you|hear|know|be|that you|to hear|to know)`,
		`i (?:would|d) (?:really |genuinely |honestly |truly )?(?:want|like|love) to (?:know|hear|understand)`,
		`(?:tell|let) me (?:when|if) i`, `you can (?:always |absolutely |totally |definitely )?(?:tell me|say so|say it|be honest|disagree|push back|let me know|correct me)`,
		`(?:say|tell me) so`, `i can (?:handle|take) (?:it|hearing|that|this)`, `i will not be (?:offended|upset|hurt|angry)`,
		`(?:is there|was there|are there) (?:anything |something )?(?:more|else) (?:i|that i|i have|about me|about how|you want|you would want|i should|i might|i missed)`,
		`(?:anything|something) else (?:i have|i|that i|about me|about how i|i might|i may|i should)`, `including (?:about )?me`, `(?:if|when) i (?:am|get|got|have) (?:off|wrong|it wrong|missed|that wrong|this wrong|off base)`,
		`(?:what|which part|what part|what else) (?:did|have) i (?:miss|missed|get wrong|got wrong|not get|overlook)`, `what (?:am|is it) i (?:am )?(?:missing|not hearing|not getting|not seeing)`,
		`the part i am not`, `please tell me (?:if|when|so)`, `i (?:really |genuinely )?want to know$`, `(?:if|when) i (?:have|did)(?: \S+){0,2},? please`, `(?:keep|please keep|do keep) (?:calling|pulling|picking) me (?:up )?on`, `(?:call|pull|pick) me (?:up )?on (?:it|that|this)`, `(?:welcome|free) to (?:tell|say|call|pull|correct)`, `tell me off`, `i would (?:really |genuinely )?welcome`,
		`you (?:are|are always) (?:allowed|welcome) to (?:tell|say|disagree|be)`, `(?:you can|feel free to) (?:say|tell me) (?:so )?if (?:i|it)`, `i can (?:take|handle) it`, `(?:that would be|that is|it would be) (?:fair|fair enough|understandable|okay)(?: \S+){0,2} (?:if|and) i`,
		`i would rather you (?:tell|said|say|told)`, `drop my (?:theory|idea|plan|agenda)`, `(?:you|u) (?:might|may|could) (?:well )?be right`, `is that fair`, `where are you at with (?:my|the|this)`, `(?:i|i really) (?:do )?want your (?:view|opinion|take|honest)`, `even if it is (?:a )?no`, `let me have (?:it|all of it|the lot|both barrels)`, `(?:is|was|are) there (?:anything|something) (?:else|more)(?: \S+){0,6} (?:i|me|my)`,
		`glad you (?:are|were) (?:telling|saying|raising|bringing|letting)`, `(?:is|was) there (?:anything |something )?more`, `(?:that is|it is|would be|that would be) (?:really |definitely |so |always )?worth (?:hearing|knowing|saying|telling me)`, `(?:do not|not) (?:want|going) to (?:skip|move|rush|brush|gloss|skate|hurry) (?:past|over|on|through)`, `(?:glad|good) you (?:said|told|called|corrected|pushed|brought|raised|let)`, `(?:keep|please keep) (?:telling|pushing|correcting)`,
		`(?:it is|it would be|that is) (?:okay|fine|alright|completely fine|totally fine|really okay) (?:to|if you|for you to) (?:be )?(?:annoyed|angry|mad|upset|cross|frustrated|disappointed|irritated|say|tell|disagree|hate|not)`,
		`(?:okay|fine|alright) (?:if|for) (?:this|it|that) (?:one )?(?:does not|did not|is not|was not)`, `your (?:honest|real|true) (?:take|opinion|view|answer|reaction)`,
		`(?:hear|know) (?:no|a no) from you`, `rather be corrected`, `you (?:can|could) (?:absolutely |always )?(?:say|tell me)`,
		`(?:your|you have every) right to (?:be|feel|say)`, `(?:it is|this is) your call`, `not just mine`, `(?:fair|right|good|reasonable) (?:to ask|question|to wonder|to question) (?:whether|if)`, `i want to look at (?:that|this|it) (?:honestly|together|with you|properly)`, `(?:if you hate|if it does not|if that does not|if this does not|if it is not|if that is not)`,
	},
	actPermission: {
		`you do not have to (?:agree|say yes|do|please|like|go along|know|want)`, `you (?:are|were) allowed to (?:be|feel) (?:\S+ ){0,2}(?:with|at) me`, `you (?:are|were) allowed to (?:disagree|say no|not|be upset|be annoyed|be angry|be cross)`,
		`(?:it is|that is|it would be|it is also|that is also) (?:completely |totally |really |absolutely |perfectly )?(?:okay|ok|fine|alright|all right) (?:with me )?(?:to disagree|to say no|if you do not|if it does not|if this does not|if that does not|not to|to think|to tell me|if you are not|if you would rather)`, `(?:no|not) (?:pressure|obligation|need to)`,
		`we (?:can|could) (?:sit with|take it slow|go slow|slow down|leave it|take our time)`, `(?:up to|your call|your choice|your decision)`,
	},
	actJustify: {
		`i (?:was|am) (?:just|only|simply|actually) (?:\S+ ){0,2}(?:trying|checking|doing|reflecting|going|bringing|saying|asking|suggesting|making|keeping|looking|waiting|thinking|pointing|being|following|giving)`,
		`i (?:just|simply|actually) (?:check|checked|think|thought|meant|wanted|need|needed|keep|kept|try|tried|look|looked)`, `i only (?:check|checked|meant|wanted|suggested|said|asked|did|tried)`,
		`my (?:intention|intent|aim|point|goal|reason|thinking) (?:was|is|there|here|behind)`, `the (?:intention|reason|idea) (?:was|is|behind)`, `(?:was not|is not|never) my (?:intention|intent|aim|plan|point)`,
		`i (?:did not|never|never ever) (?:mean|meant|intend|intended|want|wanted) (?:to|it|that|you|for)`, `i do not mean (?:to|it)`, `i (?:meant|intended) (?:it|to|that|well)`,
		`(?:that is|it is) (?:really |just |simply )?not (?:the case|true|how it was|what happened)`, `i did not (?:forget|ignore|mean)`, `not my (?:role|job|place)`, `(?:therapy|this time|this|this hour|the session|our time) is (?:about|for) you`,
		`(?:i am|we are|therapists are) (?:not|never) allowed to`, `(?:ethics|ethical) (?:code|guidelines|rules)`, `(?:a |the )?(?:professional|clinical) (?:guideline|guidelines|rule|rules|standard|boundaries)`, `(?:just|that is|it is|this is|because that is) how (?:therapy|it|this|the clinic|the service) works`,
		`i do not (?:share|give|talk about)`, `(?:it is|that is) true that`, `(?:therapy|it|this) works (?:better|best) (?:when|if)`, `i always (?:give|tell|remind|start|send|do|make|let)`,
		`(?:should not|would not) (?:really )?(?:come as|be) a surprise`, `(?:can not|could not) promise`, `sometimes (?:sessions|things|people) (?:just )?(?:need|run|take)`,
		`(?:there is|there are) (?:always )?two sides`, `(?:it|they|the \S+) (?:does|did|was|were|is|are) (?:\S+ )?actually (?:\S+ ){0,3}(?:for|in|on|because|good|part|below|standard|the)`, `i (?:do|did|was) actually`, `^ (?:\S+ )?actually`, `(?:just|only) (?:a )?habit`,
		`(?:nothing|not anything) to do with you`, `(?:does not|did not|do not) mean anything`, `i (?:barely|hardly|did not|had not|have not) (?:slept|sleep)`, `(?:caseload|workload|schedule|diary|week) (?:is|was|has been) (?:mad|crazy|insane|full|packed|heavy|huge|nuts|rammed)`,
		`i am (?:allowed|entitled) to`, `(?:never|not) (?:part of|in) (?:our|the) (?:agreement|contract|deal|arrangement)`, `on call`, `(?:in|on) the (?:letter|email|sheet|form|handout|leaflet)`,
		`i (?:was|am) (?:listening|paying attention) (?:to )?(?:every|the whole|all)`, `i do (?:read|listen|remember|care|pay|take|know|check|keep)`, `not an excuse`, `i (?:have|have got|got) (?:a lot of|so many|lots of|loads of) (?:clients|families|people|sessions|patients)`, `what we are here (?:to work on|for)`, `(?:kind of|exactly|precisely) what we (?:are|were) (?:here|doing)`,
		`(?:because|cause|since) (?:i|my|we had|we were|of (?:the|my) (?:traffic|policy|schedule|caseload|workload|rules|diary)|the (?:traffic|policy|clinic|rules|trust|system|fee|train|trains|bus)|traffic|work|things (?:have|were|are))`, `the (?:traffic|trains|train|bus|roads|parking|office move)`, `traffic`,
		`(?:a|the|my|our|this|that) policy (?:is|exists|says|has|means|was|is there|applies|covers|stands)`, `(?:a )?policy is (?:a )?policy`, `rules are rules`, `(?:my|the|our|clinic|clinics|practice) (?:policy|rules|rule|guidelines|procedure|contract)`,
		`(?:it is|that is) (?:part of )?my job`, `i have to (?:keep|be|bend|charge|follow|stick|check|make|manage|protect|look after)`, `i (?:see|have|work with) (?:a lot of|so many|lots of|many|other) (?:clients|people|patients)`,
		`i (?:do |also |too )?have a (?:life|family|relative|kid|child|personal)`, `i (?:do |also )?have (?:a life|my own|other)`, `i (?:do |also )?have (?:another|a|other) (?:client|session|appointment|commitment|emergency)`,
		`(?:previous|last|earlier|other) (?:session|client|appointment) (?:ran|went|was)`, `(?:someone|a client|another client) (?:was|had|needed) (?:in )?(?:crisis|an emergency)`,
		`(?:research|studies|evidence|the literature) (?:shows|show|says|suggests)`, `evidence based`, `(?:in my experience|i have been doing this|i have seen this)`,
		`(?:it is|it was|that is) (?:actually )?(?:for your (?:benefit|own good)|good for you|part of (?:the|therapy|the process|cbt|treatment))`,
		`(?:the|a|that is the|it is the) standard`, `i (?:have been|was|am) (?:doing|trying) my best`, `i was (?:still|actually) (?:listening|paying|there|with you)`,
		`(?:it|the phone) was on silent`, `i did (?:reply|respond|answer|write back|email you|get back|text|send|call|try|ring)`, `i do try to`, `(?:weekends|evenings) (?:for|with) my`,
		`(?:it has|it is|this has|it was) been (?:one of those|a (?:crazy|busy|hectic|chaotic|long|mad|rough|tough))`, `(?:absolutely |so |really )?(?:chaotic|hectic|crazy busy|swamped|slammed)`,
		`i (?:needed|had|have|need) to (?:check|take|answer|keep|leave|deal|respond)`, `(?:just|only) so (?:i|we|that)`, `so that (?:i|we|you know)`, `one tool (?:among|of)`,
		`i was (?:waiting for|reflecting|going off|trying to|hoping)`, `i did not want to (?:push|pressure|rush|force|overwhelm|upset)`, `(?:came|come) up so (?:many|much|often)`,
		`(?:it )?seemed like the (?:obvious|main|right)`, `i only (?:suggested|said|asked|meant|did|wanted)`, `(?:helped|works for|worked for) (?:a lot of|lots of|many|most|other) (?:people|clients)`,
		`i always make (?:the time|it) up`, `(?:we will|we will still|we can still) (?:get|have|make)`, `(?:i|we) (?:went over|discussed|covered) (?:this|that|it)`,
		`(?:is|was) (?:in|on) the (?:contract|agreement|form|website|paperwork|sheet|intake)`, `(?:the|our) (?:agreement|contract) (?:says|was|is)`,
		`i (?:can not|could not|am not able to|am unable to) (?:be available|make exceptions|make an exception|control|help it|do anything|change)`,
		`i (?:do not|can not|will not) (?:respond|answer|reply|check) (?:\S+ ){0,3}(?:outside|after|on|at|over)`, `outside (?:of )?(?:business|working|office) hours`,
		`(?:it is|that is) (?:only|just) (?:because|that|so)`, `(?:that|this|it) (?:does not|did not) mean i (?:do not|did not)`, `not much i can do`,
		`people often`, `(?:it is|that is) (?:very |really |quite |so |pretty )?common (?:for|in|that|to|after)`, `right before a breakthrough`,
		`i (?:know|know that) (?:i|it) (?:was|is) (?:only|just)`, `(?:the )?fee (?:is|is there|exists|covers|is to cover|s there)`, `to cover (?:that|the|my)`,
		`(?:it is|that is) how (?:i|therapy|this|it) (?:work|works)`, `(?:the |our |a )?(?:policy|frame|rule|boundary|limit|structure) (?:protects|keeps|is there|exists|helps|is for)`, `therapeutic in itself`, `safeguarding`, `(?:was|were|had been) (?:explained|covered|discussed|mentioned) (?:when|at|in|before)`,
		`i (?:did not|never) (?:tell|say|do|share) (?:her|him|them|anything|that|much)`, `i just said`, `(?:only|just) knows`, `nothing else`, `i (?:also )?come from`, `so i do understand`, `i would never want you to`, `i (?:really )?like your`,
		`i was (?:not at work|off|away|on leave|on holiday|not working|not in)`, `(?:info|information) sheet`, `i have (?:got )?(?:two|three|four|\S+) (?:little ones|kids|children|young)`, `i (?:just )?(?:do not|don't) work (?:weekends|evenings|after|on)`,
		`(?:sometimes )?i (?:do )?have to (?:talk|share|tell|charge|end|stop|keep|follow|report|pass)`, `just how i work`, `i (?:do )?usually`, `just so you know`, `harder for me to`, `makes it (?:hard|harder|difficult) (?:for us|to)`,
		`i (?:had|would had|had had) (?:a |an )?(?:family )?emergency`, `gold standard`, `i am (?:just|only) (?:noticing|saying|pointing|asking|wondering|trying)`, `within (?:our|the) (?:guidelines|policy|rules)`, `that is all$`, `(?:every|each) (?:single )?word`, `i (?:promise|swear) i (?:was|am|did)`, `specifically (?:for|because)`, `because of (?:the|your|what|how|my)`, `when really`, `really i am (?:just|only)`,
		`it is not (?:that|like) i (?:think|thought|meant|was)`, `i do not take sides`, `(?:my job|my role|my aim) is (?:to|not)`, `not up to me`, `(?:lots of|other|external|plenty of) (?:other |external )?services`, `i can not help (?:being|it)`,
		`i (?:was|am|have been) (?:off )?(?:sick|ill|unwell|poorly)`, `i have (?:worked|been working|practised|been practising|trained|been doing this) (?:in|for|with)`, `for (?:\S+ )?(?:years|decades)`, `quite a few times`, `i (?:have|did) (?:challenge|challenged|push back|pushed back)`, `i have challenged`, `(?:the|our) (?:clinic|trust|health board|service|system|admin|office|practice|platform|it department|reception|frame|nhs)(?: \S+){0,3} (?:handles?|moved|allocates?|runs|sets?|decides?|books?|is broken|is how|are how|does|did|keeps?)`,
		`(?:is|was|are) not something i (?:can |could )?(?:control|change|decide|do anything about)`, `(?:out of|beyond) my (?:control|hands)`, `(?:my )?hands are tied`, `nothing (?:i|we) can do`, `only so much (?:i|we) can do`, `i can not (?:exactly|really) (?:keep|do|change|help)`,
		`i have (?:got )?(?:someone|a client|another client|somebody) (?:straight |right )?(?:after|before|waiting)`, `everyone gets`, `(?:long|the same|like that) (?:everywhere|for everyone)`, `not unusual`, `no exceptions`, `fair (?:to|for) everyone`, `my rent`, `held my fees`, `below the average`,
		`i did give you (?:a |plenty of |enough |fair )?(?:month|notice|warning|week)`, `automatically`, `(?:a|the|one of those) (?:crazy|busy|hectic|mad|manic|chaotic|rough) (?:morning|day|week|time)`, `(?:have|has) (?:just )?been (?:absolutely |so |really )?(?:crazy|hectic|mad|manic|chaotic|busy)`,
		`i have had a lot on`, `my (?:personal|private) life (?:is not|is) (?:really )?(?:relevant|not relevant|off limits|private)`, `i would rather not (?:share|say|answer|get into)`, `i am (?:trained|qualified|experienced) in`, `in my defen[cs]e`, `to be fair`, `i stand by`, `(?:is|was) (?:just )?(?:factually|technically)`, `(?:a lot of|much of|most of) the (?:literature|research|evidence)`,
		`i (?:shared|said|did|suggested|mentioned|brought) (?:that|it|this) (?:\S+ ){0,2}because`, `i thought it would (?:help|be)`, `(?:so|that) i (?:do not|did not) (?:cut|run|keep)`, `(?:only|just) because`, `the frame`, `i am (?:soooo|so|really|terrible|awful|hopeless|rubbish|useless|bad) (?:\S+ )?(?:bad )?(?:with|at) (?:names|dates|remembering|time)`, `i really do$`, `because i (?:really )?do`, `(?:most|many|lots|a lot) of my (?:clients|patients)`, `(?:most|many|other) (?:clients|people) (?:would|find|like|love|are|do)`, `^ (?:well |so |honestly |actually |oh |but )?i (?:thought|assumed|figured|was hoping) (?:you would|it would|that would|this would|you might|it might|you were|it was)`, `because of (?:privacy|confidentiality|boundaries|the policy|my)`, `(?:did|have) you (?:at least|even|actually) (?:try|tried|read|do|done|look)`, `i (?:tend|like) to (?:keep|check|look)`,
	},
	actBlame: {
		`you (?:should|should have|need to|needed to|have to|had to|have got to|must|ought to|really need to|really should|will need to|just need to|just have to|just have got to) (?:\S+ )?(?:commit|put|try|do|give|practise|practice|call|go|be|read|write|understand|remember|bring|stop|consider|think|make|accept|look|see|know|take|keep|use|check|just)`,
		`if you (?:do not|did not|had|had just|would just|just|actually|really) (?:\S+ ){0,3}(?:do|did|try|tried|put|commit|engage|practi[sc]e|give|work|follow|listen|make|stick|bring|come)(?: \S+){0,8} (?:you would|you will|you will not|it would|it will|we would|we will|we could|it might|progress|better|change|help)`,
		`you (?:did|do) (?:say|know|agree|sign|tell|mention|read)`, `(?:^ |but |well |and |because |since |though )(?:\S+ ){0,2}you (?:knew|agreed to|signed|were told|have been told|were warned)`, `you (?:also|too) (?:were|are|have|did)`,
		`(?:as|like) i (?:said|explained|mentioned|told you)`, `i (?:already|did) (?:tell|told|explain|explained) (?:you|this)`, `we (?:went over|talked about|discussed|covered) this`,
		`^ (?:but |and |well |just )?remember (?:when|that|three|last|how|we)`, `(?:do not|would not|does not|is not|isn't|are not) (?:you think|it|that|you agree)(?: \S+){0,2} (?:though|help|better|be|make)`, `do not you think`, `would not you`,
		`(?:is not|was not) (?:that|it) (?:a|kind of a|sort of a)? ?pattern`, `a pattern for you`, `(?:it is|this is) not about what i want`, `what is best for you`,
		`(?:your|you) (?:mum|mom|dad|father|mother|parents|partner) (?:should|needs|need|has to|have to|ought)`, `give it (?:a|another) (?:week|go|try|chance|proper)`, `(?:giving|give) up (?:right|just|when|now)`,
		`(?:progress|change|therapy|it) (?:is going to|will) (?:be|take) (?:really |very )?(?:slow|longer|harder)`, `where the (?:real )?(?:change|work|progress) happens`, `(?:therapy|it|change) is not something that`,
		`you (?:have|need) to (?:put|do) (?:the|some|in the) work`, `put the work in`, `(?:really|do) (?:do not|not) think (?:that is|it is|this is) a good idea`, `could undo`,
		`(?:i think|i do think|honestly i think|i really think|i just think) (?:you are being|you might be being|there is a part|you need|you should|understanding|you are (?:avoiding|hiding|deflecting|resisting|intellectuali[sz]ing|projecting|overreacting|catastrophi[sz]ing|exaggerating))`, `i do think (?:the|there is|that|it is) (?:\S+ ){0,2}(?:link|real|important|worth|relevant|connected)`,
		`(?:you are|you were) (?:not|never) (?:going to|gonna) (?:get|improve|change)`, `that is (?:very )?clever`, `you are (?:the one|being) (?:\S+ )?(?:difficult|resistant|avoidant)`,
		`why (?:did you not|did not you|would you|do you not|have you not)`,
		`i (?:am|was) (?:not the only|not going to) (?:one|be the)`, `you (?:keep|always|never) (?:doing|do|avoid|bring|change|say|come)`, `we keep doing this`,
		`you are avoiding`, `please (?:try|give|stick)`, `need (?:more )?time to work`, `(?:really|actually) not (?:helping|working|useful)`, `not even a little`, `you (?:do|might|may) come across as`, `do you think (?:maybe )?you (?:do|are|might|could)`,
		`your (?:abandonment |attachment |rejection )?(?:schema|pattern|issues|wound|wounds|trauma|stuff) (?:again|is|coming)`, `something we have talked about you`, `(?:some |your |a bit of )?resistance`, `splitting`, `bad object`, `transference`, `defence mechanism`, `you are projecting`,
		`(?:we|you) (?:will not|would not|are not going to) (?:make|get) (?:any )?(?:progress|anywhere)`, `i can not help you (?:if|unless)`, `avoiding (?:it|this|that) (?:will not|won't|does not|doesn't|is not going to) help`, `you have missed`, `trusting the process`, `you did (?:decide|choose|agree|say|sign|know)`, `the fact (?:that )?you (?:are|were|keep)`, `might suggest`, `(?:it would|it might) (?:help|be better|be good) if you`, `you should (?:let yourself|have been told|try|really)`, `be honest with yourself`, `trust the process`,
		`if you (?:stop|leave|quit) now`, `(?:you will|you would|you might) (?:probably |just )?end up`, `(?:i would|i would really|i would strongly) (?:strongly )?(?:advise|suggest|recommend) (?:against|you)`, `we need to (?:process|work|talk about|look at|get)`, `otherwise (?:it will|you will|nothing)`,
		`analysis (?:will not|does not|can not|won't)`, `you are (?:very |so |really )?good at (?:analysing|analyzing|intellectuali[sz]ing|explaining|avoiding|deflecting)`, `(?:it is|this is) your (?:therapy|life|choice|decision|job),? not mine`, `(?:is not|isn't) really the point`, `we can not (?:really )?(?:work|help|do anything)`,
		`did you not (?:see|get|read|check|notice|realise)`, `(?:probably|must be|it is|that is|maybe) (?:your|the) (?:wifi|wi fi|connection|internet|signal|laptop|end)`, `your (?:wifi|wi fi|connection|internet|signal)`, `(?:because|since|as) you (?:came|were|arrived|got|did|did not|forgot|missed|left)`, `(?:that is|it is|that was) not on me`, `does it matter (?:whether|if) i`,
		`how many (?:times|tiems|days) did you (?:actually|really)?`, `(?:a good|a big|the) (?:chunk|part|bit) of (?:that|the) (?:wait|time|delay)`, `are you boring yourself`, `worth thinking about`, `you came in (?:early|late)`, `take (?:it|this) (?:so )?personally`, `hard for me to help`, `(?:therapy|this|it) only works if`, `if you do not (?:give|bring|tell|put)`, `we said we would`, `you said (?:last week|you wanted|you would|that you)`, `you need to actually`, `(?:not|never) (?:sure|clear) what you want (?:me|from)`, `what (?:do|did) you (?:want|expect) me to`, `cut me (?:a little |some )?slack`,
		`you (?:might be|may be|are being|are) (?:a bit |too )?(?:sensitive|hard on|unfair|harsh)`, `(?:classic|textbook|typical) (?:cognitive )?(?:distortion|avoidance|resistance|defence|defense|example)`, `(?:a |an )?(?:cognitive distortion|all or nothing thinking|black and white thinking)`,
		`(?:good|perfect|great|classic) example of what`, `(?:is|are) about you not me`, `not about me`, `(?:a little|a bit|slightly|somewhat|bit) exaggerated`, `(?:might|could|may) be (?:\S+ ){0,2}exaggerat\S*`, `should (?:really )?(?:call|go to|contact|use) (?:the|a|an) (?:crisis|emergency|a and e|hotline|helpline)`,
	},
	actMinimise: {
		`(?:it was|that was|it is|was|only|just|barely|hardly) (?:only |just |barely |about |like |maybe )?(?:a few|a couple of|five|ten|fifteen|seven|two|three|twenty|\d+|a little|a bit|a tiny bit) (?:minutes|mins|min|bit|while|days|late)`,
		`(?:only|just) (?:about |like )?(?:five|ten|fifteen|seven|a few|a couple|\d+) (?:minutes|mins)`, `(?:not|no) (?:such a|that|a|too) big (?:a )?deal`, `no big deal`,
		`(?:it|these things|that|stuff) happens?`, `not (?:that|so|too) bad`, `at least`, `(?:could|might) (?:have been|be) worse`, `(?:we all|everyone|everybody) (?:have|has) (?:off|bad)`,
		`(?:it is|that is|this is) (?:just|only) (?:a|one|the)`, `(?:only|just) (?:a|one) (?:session|time|week|email|fee|minute)`,
		`(?:it is|it was|that is) not (?:like|as if) (?:i|it)`, `(?:not anything|nothing) (?:major|serious|big|bad)`, `(?:really )?common at this stage`, `(?:a |just a |only a )?(?:small|little|minor|tiny|silly) (?:slip|thing|mistake|mix up|error|blip|oversight)`, `i (?:was|am) only (?:a|\S+ minutes)`,
	},
	actNonApology: {
		`sorry (?:you|that you|if you|you are|you were|you have been) (?:feel|felt|are feeling|were feeling|have been feeling|feel like|felt like|took|take|see|saw|are upset|were upset|upset|are so upset|think|thought|got|found|experienced)`,
		`sorry (?:if|that it|it|that this|this) (?:\S+ ){0,3}(?:felt|seemed|came across|feels|seems|landed|upset|was upsetting|sounded|hurt)`,
		`sorry if`, `(?:apologi[sz]e|my apologies) if`, `if (?:i|that|it|this|my) (?:\S+ ){0,2}(?:upset|offended|hurt|came across|felt|seemed|caused)`,
		`sorry you (?:are|were|feel|felt|have)`, `sorry (?:about|for) (?:how|the way) you (?:feel|felt)`, `if you felt`, `if it felt`, `if that felt`,
	},
	actAppease: {
		`(?:i will|i can|let me|i am going to|we will|we can|i could|happy to|i would be happy to) (?:just )?(?:waive|wave|drop|cancel|take off|take the|remove|refund|skip|ditch|forget|scrap|make an exception|go over|run over|extend|give you my|not charge)`,
		`no charge`, `(?:will not|would not|not going to|do not need to|no need to) (?:charge|pay|bill)`, `(?:the|that) (?:fee|charge) (?:is|will be)? ?(?:waived|gone|cancelled|off)`,
		`(?:text|call|email|message|ring|contact|reach) me (?:\S+ ){0,2}(?:anytime|any time|whenever|day or night|at any|at night|on weekends|weekends included|on my mobile|on my personal)`,
		`(?:my )?personal (?:number|mobile|phone|email)`, `weekends included`, `(?:day or night|any hour|24 7)`, `(?:we can|let us|we will|we could) (?:just )?(?:ditch|drop|skip|scrap|forget|bin|stop doing|stop) (?:them|it|the|those|that|homework|worksheets?)`,
		`we do not have to (?:do|use) (?:them|it|that|homework|worksheets?|any)`, `(?:forget|never mind) (?:the|about the) (?:fee|homework|worksheet|policy|rule)`, `(?:i will|i can|i will just) make (?:an|the|this) exception`,
		`do not give it (?:another|a second) thought`, `go over time`, `(?:move|change) the (?:rule|policy) for you`, `let me make it up to you`, `(?:we can|i will) (?:add|give you) (?:extra|more) (?:time|minutes)`,
	},
	actBoundary: {
		`(?:the|that|this|my|our) (?:fee|charge|policy|rule|time|session length|fifty minutes|cancellation policy|boundary) (?:does |will |is going to |has to |needs to )?(?:stay|stays|stand|stands|remain|remains|hold|holds|apply|applies|still)`,
		`(?:i am|i will|i am going to) (?:keep|keeping|stick|sticking|hold|holding|stay|staying) (?:to|with)? ?(?:the|that|this|sessions|our|my)`, `(?:will not|is not going to|does not|can not) change`,
		`i (?:do not|will not|can not|am not going to) (?:answer|check|respond to|reply to|read) (?:email|emails|messages|texts|my phone)`, `(?:i am not|i will not be) (?:able|going) to (?:waive|change|drop|make an exception|extend|go over)`,
		`(?:this|it|that) time too`, `(?:the fee|it|that) (?:does|will) (?:stay|stand) in place`, `stays in place`, `i am going to keep`, `i will keep`,
		`(?:i am|i will be) (?:honest|straight) (?:with you )?(?:that|about)`, `i (?:will not|am not going to|can not|won't) (?:make the call|choose|decide|tell you what to do|make that choice|pick)(?: for you)?`, `i (?:do )?(?:need|have) to (?:finish|end|stop|keep to|wrap up)(?: \S+){0,2} (?:on time|there|at)`,
		`i will keep (?:doing that|to time|us to time|to the)`, `(?:policy|fee|charge|time|length|rule|limit)(?: itself)? (?:is )?(?:staying|stays|standing|remaining|is not going anywhere)`, `(?:stay|staying|be|i will stay) (?:in it|with you in it|alongside you)`, `i (?:tend|try|prefer|like) not to (?:share|answer|check|approach|reply|respond|give|talk)`, `fee (?:is )?there to`, `keep my (?:personal|private|own)`, `(?:still )?(?:need|have) to (?:charge|end|finish|stop)`,
	},
	actRedirect: {
		`^ (?:so|anyway|anyways|okay so|alright so|right so|well|okay) (?:what did you|what would you like|what do you want|how was|how is your|what else|where were|where should|where do|shall we|let us|back to|moving)`, `anyway`, `anyways`, `moving on`, `(?:let us|we should|we can|shall we|we could|can we) (?:\S+ )?(?:move on|get back|go back|get started|get on|make the most|focus on|stay with|look at|start|begin|carry on|continue|crack on)`,
		`(?:where|what) (?:were we|should we start|do you want to start|shall we start)`, `(?:let us|can we|shall we|we should|we could|i will|i am going to|gently|want to) (?:get|go|come|pull us|bring us|get us|steer us) back`, `back to (?:what you were|where we|the agenda|our plan|the topic|the homework|the plan|business)`, `(?:pull|bring|get|steer) us back`, `where (?:were|was) (?:you|we)(?: up to)?`, `(?:before|so) we (?:move on|get started|carry on)`,
		`what did you (?:get up to|do this|want to (?:focus|talk|work|cover))`, `(?:how is|how was|how are) (?:work|your (?:week|weekend|day|son|daughter|kids|mum|mom|dad|family)|she|he|things)`, `how (?:is|was) your (?:\S+ )?(?:week|weekend)`,
		`(?:is there|was there) (?:anything|something) else (?:going on|on your mind|you want)`, `any questions before`, `let us (?:set|put|make|find|think about ways|try|schedule|book|plan|write)`,
		`(?:what|anything) (?:else )?(?:would you like|do you want|did you want) to (?:talk|focus|work|do) (?:about|on)? ?(?:today|instead|now)`, `what else (?:happened|is happening|is going on)`,
		`(?:so|and) (?:the|your) (?:panic|homework|work|week|mum|mom|dad|son|job|boss)`, `(?:in the meantime|for now let us|for now)`, `(?:have you ever been|did you have a good)`,
		`we (?:went|had a|were) (?:to the|at the|on)`, `(?:let us|we can) just (?:carry|get|crack|move)`, `we (?:will|can) still (?:get|cover|have)`,
	},
	actSolve: {
		`(?:let us|we could|we can|maybe we could|maybe we can|perhaps we could|what if we|how about we|how about|why not|we might|should we) (?:\S+ )?(?:try|look|set|make|find|move|change|switch|use|work|plan|schedule|think about ways|come up|put|do|go over|start|reschedule|book|build|write|practi[sc]e|figure|sort|arrange)`,
		`(?:you could|you might|you can|you should) (?:try|use|write|call|set|put|practi[sc]e|keep|go)`, `would (?:that|this|it) (?:be|feel|work) (?:more )?(?:doable|helpful|easier|better|okay)`,
		`(?:from now on|next time|in future|in the future|going forward)`, `it will not happen again`, `i will (?:make sure|set|keep|put|try|be|get|send|leave|text|email|let you know|give)`,
		`(?:one|a) (?:small )?thing (?:that )?(?:might|could|you could) (?:help|do)`, `(?:a different|another|a new|a smaller|a simpler|a more) (?:approach|way|kind|type|exercise|worksheet|plan|option|version|task)`,
		`safety plan`, `crisis (?:line|number|plan|team)`, `(?:set|put) a reminder`, `(?:something|one thing) (?:smaller|simpler|easier|small)`, `what you can control`,
		`(?:move|moving) you to (?:a|another)`, `(?:work out|figure out|sort out) (?:together|what|a plan|how)`, `keep it in the drawer`,
	},
}

// findActs returns the acts a clause does.
func findActs(c clause) [actCount]bool {
	var found [actCount]bool
	for a := range actCount {
		if actPatterns[a].MatchString(c.norm) {
			found[a] = true
		}
	}
	if deniedInvalidation.MatchString(c.norm) {
		// "I don't think you're overreacting" agrees with the client.
		// ("I'm not saying you're wrong" stays a correction.)
		found[actInvalidate] = false
		found[actNormalize] = true
	}
	if found[actRedirect] && stayingPut.MatchString(c.norm) {
		// "We can get started, but I don't want to skip past this."
		found[actRedirect] = false
	}
	return found
}

// deniedOwnership finds the words of ownership said in the negative: "it
// wasn't my fault", "that's not on me", "nothing I could do", "it couldn't
// be helped". The ownership patterns alone read "my fault" and "on me" as
// owning; the rubric reads denial as defence.
var deniedOwnership = patterns(
	`(?:not|never|in no way) (?:really |actually |exactly |entirely |totally |all |completely |just |only )?(?:my fault|on me|my mistake|my error|my doing|my responsibility|down to me)`,
	`no fault of (?:mine|my own)`,
	`(?:nothing|not (?:much|a lot|anything)) (?:else )?(?:i|we) (?:could|can|could have|would have|could really|can really) (?:have )?(?:do|done|change|changed|prevent|prevented|help|helped)`,
	`(?:could not|can not|could not really|really could not|can not really|really can not) (?:be|have been) (?:helped|avoided|prevented)`,
)

// notDenials look like denials and are not: a denial the therapist refuses
// to make ("I won't pretend it wasn't my fault", "I'm not saying it's not
// on me"), or a choice left to the client ("it's not on me to decide"). The
// refusal must be there: "I have to say it was not my fault" denies.
var notDenials = patterns(
	`(?:not|never|no need to|refuse to) (?:\S+ )?(?:pretend|pretending|claim|claiming|say|saying|make out|making out|act like|acting like|sound like|suggest|suggesting) (?:that |like |as if )?(?:\S+ ){0,2}(?:was not|is not|were not|not|nothing)`,
	`(?:not|never) on me to`,
)

// deniesOwnership reports a clause that denies the therapist's part, and
// whether it owns something besides the words it denies.
func deniesOwnership(norm string) (denies, ownsOtherwise bool) {
	if !deniedOwnership.MatchString(norm) || notDenials.MatchString(norm) {
		return false, false
	}
	return true, actPatterns[actOwn].MatchString(deniedOwnership.ReplaceAllString(norm, " denied "))
}

// excuses are the circumstances a therapist gives after "sorry, but":
// "I'm sorry, but it was a family emergency", "sorry, but something came
// up". On their own they may be a brief explanation; after an apology and
// a "but" they take it back, which the rubric scores as mostly defensive.
var excuses = patterns(
	`(?:emergency|emergencies|crisis|something came up|unavoidable|urgent|held up|got stuck|stuck in|running late|ran late|ran over|overran|no choice|no other choice)`,
)

// excusesApology reports a clause that answers an earlier apology with a
// "but" and the therapist's circumstances, without owning anything itself.
// A clause that speaks to the client or asks ("sorry, but it sounds like a
// crisis for you") is about them, not an excuse.
func excusesApology(c clause, owns, apologised bool) bool {
	return c.contrast && apologised && !owns && !c.question &&
		!strings.Contains(c.norm, " you") && excuses.MatchString(c.norm)
}

var (
	deniedInvalidation = patterns(
		`(?:do not|did not|never|really do not) (?:think|believe|feel|see) (?:that )?(?:you are|you were|it is|it was|that is|this is|you have been) (?:\S+ )?(?:overreacting|over reacting|too sensitive|sensitive|dramatic|silly|stupid|ridiculous|lazy|laziness|being difficult|difficult|weak|petty|unreasonable|crazy|mad|exaggerating|too much|selfish|a bad|your fault|wrong to|being lazy|being silly|being stupid|being dramatic)`,
		`(?:it is not|that is not|is not|it was not|that was not|you are not|you were not|are not) (?:\S+ )?(?:too sensitive|overreacting|over reacting|dramatic|silly|stupid|ridiculous|laziness|lazy|petty|unreasonable|crazy|an overreaction|weak|exaggerating)`,
	)
	stayingPut = patterns(`(?:do not|not) (?:want|going) to (?:skip|move|rush|brush|gloss|skate|hurry) (?:past|over|on|through)`)
)
