package grading

import (
	"regexp"
	"strings"
)

type invitationKind int

const (
	noInvitation invitationKind = iota
	closedInvitation
	openInvitation
)

// An invitation is a question or a request to say more, scored on the
// exploration scale: 0 for one that redirects, 1 closed, 2 open but
// generic, 3 about the client's experience, 4 about the relationship now.
type invitation struct {
	kind  invitationKind
	level int
	text  string
}

var (
	// fillers may open a question without changing its kind.
	fillers     = regexp.MustCompile(`^ (?:(?:so|and|but|okay|ok|alright|right|well|then|oh|hmm|mm|um|now|also|still|honestly|just|yeah|really|i mean|i guess|out of curiosity|before you go on|before we go on|can i ask|may i ask|i wonder|i am wondering|i am curious|i am just curious|i am curious about that|i am curious about) )+`)
	openStart   = regexp.MustCompile(`^ (?:what|how|where|when|which|who|whose|why|in what way|tell me|say more|help me|walk me|talk me|describe|share|can you (?:tell|say|share|help|describe|walk|talk|put)|could you (?:tell|say|share|help|describe|walk|talk|put)|would you (?:tell|say|share|describe|walk|talk|be willing|be up for|mind)|will you (?:tell|say|share)|are you (?:willing|up for|able to say)|do you want to (?:say|tell|share) (?:more|what|how)|would you like to (?:say|tell|share) (?:more|what|how)) `)
	closedStart = regexp.MustCompile(`^ (?:are|is|am|do|does|did|can|could|would|will|was|were|have|has|had|should|shall|may|might|must|is not|are not|do not|does not|did not|was not|were not|would not|will not|can not|have not|has not|should not|any|anything|everything|so are|so is|so do|you|we|it|that|this|sure|right|yeah|okay) `)
	// Statements that ask for more, without a question mark.
	openStatement = regexp.MustCompile(`(?:^ (?:\S+ ){0,2}|please |just |so |then |now |and |can you |could you |go on )(?:tell me (?:more|about|what|how|where|why|if|everything|the rest|it)|say more|help me understand|walk me through|talk me through)|` +
		` i (?:would|really would|would really|really want to|want to|would genuinely|would love to|would like to|would really like to|would really love to)(?: like| love)?(?: to)? (?:hear|understand|know) (?:what|how|more|about|it|from|your|where|why|if there)|` +
		` i am (?:curious|wondering|really curious) (?:what|how|about|where|why)| i wonder (?:what|how|where) `)
	// Statements that open a door without asking: "you can say", "I'd want
	// to know".
	closedStatement = regexp.MustCompile(` (?:you can (?:always |absolutely |totally )?(?:say|tell me|let me know)|say so|let me know|i would (?:really |genuinely )?want to know|i would want to hear|feel free to|my door is open|if you want to talk|whenever you are ready) `)

	inviteMore       = regexp.MustCompile(`^ (?:is|was|are) there (?:anything|something|more)(?: else| more)?(?: \S+){0,3} (?:you|that you|about|i should|i need|i might|i have|to tell)`)
	unmarkedQuestion = regexp.MustCompile(`^ (?:what|how|where|why|when) (?:is|are|was|were|do|does|did|have|has|can|could|would|should|will|made|makes|happened|happens|comes|came|goes|went) `)

	hereAndNow   = regexp.MustCompile(` (?:right now|now|at the moment|in this moment|this minute|just now|between us|with me|to me|about me|toward me|towards me|about us|with us|in here|in the room|here with me|here today|being here|sitting here|coming here|as you tell|as we talk|as you say|as we sit|hear me say|me say that|me suggesting|me asking|from me|on the end of|you knew i|i would not mind|when i ask|when i suggest|i am asking|i ask you|us right|our relationship|our work|to say (?:that|this|it) (?:to me|out loud|here)|saying (?:that|this|it)(?: to me| out loud| here)?|telling me (?:this|that)|to tell me|to hear (?:me|that|this)|hearing me) `)
	presentTense = regexp.MustCompile(` (?:is|are|am|do|does|feel|feels|now|at the moment|right now|be|being|goes|going|happens|happening|comes|coming) `)
	pastTense    = regexp.MustCompile(` (?:was|were|did|had|went|happened|felt|made|came) `)
	experience   = regexp.MustCompile(` (?:like for you|like|feel|felt|feeling|feels|land|landed|hit|hits|mean|meant|means|bring up|brought up|stir|stirred|went through|go through|goes through|going through|happened for you|happened inside|happens inside|happening for you|happening inside|going on for you|goes on for you|going on inside|comes up|came up|miss|missed|get wrong|got wrong|not hearing|not getting|missing|honest take|really think|think about (?:it|that|this|what)|your side|from your side|for you|on your end|experience|experienced|stuck|hurt|hardest|upset|angry|annoyed|worst|moment|inside|in your body|sitting with|make of it|make of that|make of the|take on it|part of you|reaction|hear me|heard me|hearing me|that about|this about|it about|when i (?:mentioned|said|suggested|asked|brought|kept|raised|did|looked|checked)|after i) `)
)

// classifyInvitation says whether a clause invites the client to say more,
// and how.
func classifyInvitation(c clause, acts [actCount]bool) invitation {
	n := c.norm
	stripped := fillers.ReplaceAllString(n, " ")
	inv := invitation{text: c.text}
	switch {
	case c.question && openStart.MatchString(stripped):
		inv.kind = openInvitation
	case openStatement.MatchString(n):
		inv.kind = openInvitation
	case c.question && inviteMore.MatchString(stripped):
		// "Is there more you'd want me to know?" asks for more, even
		// though it could be answered yes or no.
		inv.kind = openInvitation
	case c.question && closedStart.MatchString(stripped):
		inv.kind = closedInvitation
	case c.question && strings.Contains(n, " what ") || c.question && strings.Contains(n, " how "):
		inv.kind = openInvitation
	case c.question:
		inv.kind = closedInvitation
	case unmarkedQuestion.MatchString(stripped):
		// Typed fast, questions lose their question marks.
		inv.kind = openInvitation
	case closedStatement.MatchString(n):
		inv.kind = closedInvitation
	default:
		return invitation{}
	}
	if acts[actRedirect] {
		inv.level = 0
		return inv
	}
	if inv.kind == closedInvitation {
		inv.level = 1
		return inv
	}
	switch {
	case hereAndNow.MatchString(n) && (presentTense.MatchString(n) || !pastTense.MatchString(n)):
		inv.level = 4
	case experience.MatchString(n):
		inv.level = 3
	default:
		inv.level = 2
	}
	return inv
}
