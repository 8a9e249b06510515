package grading

import "strings"

// ownsAction recognises the therapist saying, in the first person, what
// they did: "I said Sarah", "I charged you", "I think I latched onto that",
// "I keep steering us back", "I was clock-watching". Owning a specific act
// is the core of non-defensiveness, and people phrase it in more ways than
// any list of phrases can hold, so this reads the shape instead: "I",
// perhaps a hedge, then a verb in the past or a habit in the present. The
// verbs of intention and perception ("I thought", "I meant", "I noticed")
// are left out: they explain or observe rather than own. Whether the clause
// also justifies is judged separately.
func ownsAction(norm string, clientNorm string) bool {
	toks := strings.Fields(norm)
	for i := 0; i < len(toks); i++ {
		if toks[i] != "i" {
			continue
		}
		j := skip(toks, i+1, ownHedges)
		// "I think I…", "I guess I…"
		if j+1 < len(toks) && ownFrames[toks[j]] && toks[j+1] == "i" {
			j = skip(toks, j+2, ownHedges)
		}
		habit := false
		emphatic := false
	aux:
		for j < len(toks) {
			switch toks[j] {
			case "have", "been":
				j++
			case "keep", "kept", "was", "am":
				habit = true
				j++
			case "did":
				emphatic = true
				j++
			default:
				break aux
			}
			j = skip(toks, j, ownHedges)
		}
		if j >= len(toks) {
			continue
		}
		verb := toks[j]
		switch {
		case notOwning[verb]:
			continue
		case habit:
			if strings.HasSuffix(verb, "ing") && len(verb) > 4 && !notOwningIng[verb] {
				return true
			}
		case emphatic:
			// "I did use that word" owns; "I did text you", answering "you
			// never told me", corrects the client.
			if !clientDenies.MatchString(clientNorm) {
				return true
			}
		case pastForms[verb] || (strings.HasSuffix(verb, "ed") && len(verb) > 4 && !edAdjectives[verb]):
			return true
		}
	}
	return false
}

func skip(toks []string, j int, set map[string]bool) int {
	for j < len(toks) && set[toks[j]] {
		j++
	}
	return j
}

var (
	ownHedges = wordSet(`might may must probably definitely really just still clearly totally completely
		kind sort of actually also then honestly obviously certainly genuinely maybe perhaps already even again
		rather quite a bit pretty very`)
	ownFrames = wordSet(`think guess suspect reckon realise realize know feel believe suppose wonder see`)
	// pastForms holds irregular past forms of verbs a therapist might own.
	pastForms = wordSet(`said did made took gave went got left put brought forgot cut let ran sent spoke wrote
		threw drew caught fell kept lost led misread misheard misunderstood mistook overstepped overdid stood
		sat shut hit hurt began came saw froze rang swept dropped sprang sprung stuck blew broke bent chose
		dealt dug drove fed fled flung forgave hid hung laid lent lit meant paid rode rose set shook shot slid
		spent spun spilt split struck swung taught tore wore won wound`)
	// notOwning are verbs after "I" that explain, perceive or feel rather
	// than own.
	notOwning = wordSet(`thought meant wanted tried assumed figured hoped noticed wondered heard felt knew guessed
		needed decided believed supposed expected imagined reckoned realised realized understood remembered
		told explained mentioned warned informed reminded had was were not never did have been am do does
		appreciated loved liked hated enjoyed agreed promised suggested intended aimed planned wished
		considered followed`)
	notOwningIng = wordSet(`feeling thinking wondering hoping trying going listening noticing getting being saying
		asking checking waiting doing having looking seeing hearing working planning meaning wanting
		curious`)
	// edAdjectives end in -ed but describe a state, not an act.
	edAdjectives = wordSet(`interested worried concerned surprised tired bored excited pleased scared confused
		annoyed frustrated embarrassed ashamed relieved touched moved amazed stressed overwhelmed distracted
		tied booked trained qualified required allowed supposed used exhausted determined committed involved
		prepared convinced aligned shocked saddened disappointed`)
	clientDenies = patterns(`(?:not|never|no|nothing|did not|have not|has not|without)`)
)
