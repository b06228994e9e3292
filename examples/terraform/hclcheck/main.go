// hclcheck: a static check of a Terraform directory with HashiCorp's own HCL parser
// (github.com/hashicorp/hcl/v2), for machines where `terraform init`/`validate` cannot fetch
// providers. It checks what can be checked without provider schemas:
//   - every .tf file parses (HCL native syntax);
//   - every var.X, local.X, data.T.N and T.N reference names something declared in the directory;
//   - every templatefile("<file>", {…}) call: the file exists and parses as an HCL template, and
//     the variables it uses are exactly the keys passed to it.
//
// Usage: go run . DIR   (prints one line per problem, exits 1 when there is any)
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

type declared struct {
	vars, locals, resources, data map[string]bool
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: hclcheck DIR")
		os.Exit(2)
	}
	problems := check(os.Args[1])
	for _, p := range problems {
		fmt.Println(p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
}

func check(dir string) []string {
	var problems []string
	parser := hclparse.NewParser()
	files, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	sort.Strings(files)
	if len(files) == 0 {
		return []string{fmt.Sprintf("%s: no .tf files", dir)}
	}
	var bodies []*hclsyntax.Body
	for _, name := range files {
		f, diags := parser.ParseHCLFile(name)
		for _, d := range diags {
			problems = append(problems, d.Error())
		}
		if f != nil {
			bodies = append(bodies, f.Body.(*hclsyntax.Body))
		}
	}
	decl := declared{map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}}
	for _, body := range bodies {
		for _, block := range body.Blocks {
			switch block.Type {
			case "variable":
				decl.vars[block.Labels[0]] = true
			case "resource":
				decl.resources[block.Labels[0]+"."+block.Labels[1]] = true
			case "data":
				decl.data[block.Labels[0]+"."+block.Labels[1]] = true
			case "locals":
				for name := range block.Body.Attributes {
					decl.locals[name] = true
				}
			}
		}
	}
	for _, body := range bodies {
		hclsyntax.VisitAll(body, func(node hclsyntax.Node) hcl.Diagnostics {
			switch n := node.(type) {
			case *hclsyntax.ScopeTraversalExpr:
				if p := reference(n.Traversal, decl); p != "" {
					problems = append(problems, fmt.Sprintf("%s: %s", n.SrcRange, p))
				}
			case *hclsyntax.FunctionCallExpr:
				if n.Name == "templatefile" {
					problems = append(problems, templateCall(dir, n)...)
				}
			}
			return nil
		})
	}
	return problems
}

// reference says what is wrong with one traversal ("" when nothing is).
func reference(t hcl.Traversal, decl declared) string {
	root := t.RootName()
	attr := func(i int) string {
		if len(t) <= i {
			return ""
		}
		if a, ok := t[i].(hcl.TraverseAttr); ok {
			return a.Name
		}
		return ""
	}
	switch root {
	case "var":
		if !decl.vars[attr(1)] {
			return "undeclared variable var." + attr(1)
		}
	case "local":
		if !decl.locals[attr(1)] {
			return "undeclared local local." + attr(1)
		}
	case "data":
		if !decl.data[attr(1)+"."+attr(2)] {
			return "undeclared data source data." + attr(1) + "." + attr(2)
		}
	case "path", "count", "each", "self", "terraform":
	default:
		// One-part names (ignore_changes = [desired_capacity]) are attributes, not references.
		if len(t) >= 2 && strings.Contains(root, "_") && !decl.resources[root+"."+attr(1)] {
			return "undeclared resource " + root + "." + attr(1)
		}
	}
	return ""
}

// templateCall checks templatefile("${path.module}/f", { k = … }): the template parses and uses exactly the keys.
func templateCall(dir string, call *hclsyntax.FunctionCallExpr) []string {
	if len(call.Args) != 2 {
		return []string{fmt.Sprintf("%s: templatefile takes a path and a map", call.Range())}
	}
	tmpl, ok := call.Args[0].(*hclsyntax.TemplateExpr)
	if !ok || len(tmpl.Parts) == 0 {
		return []string{fmt.Sprintf("%s: templatefile path is not a \"${path.module}/file\" string", call.Range())}
	}
	lit, ok := tmpl.Parts[len(tmpl.Parts)-1].(*hclsyntax.LiteralValueExpr)
	if !ok {
		return []string{fmt.Sprintf("%s: templatefile path does not end in a file name", call.Range())}
	}
	file := filepath.Join(dir, strings.TrimPrefix(lit.Val.AsString(), "/"))
	src, err := os.ReadFile(file)
	if err != nil {
		return []string{fmt.Sprintf("%s: templatefile: %v", call.Range(), err)}
	}
	parsed, diags := hclsyntax.ParseTemplate(src, file, hcl.Pos{Line: 1, Column: 1})
	if diags.HasErrors() {
		return []string{diags.Error()}
	}
	used := map[string]bool{}
	for _, v := range parsed.Variables() {
		used[v.RootName()] = true
	}
	passed := map[string]bool{}
	if obj, ok := call.Args[1].(*hclsyntax.ObjectConsExpr); ok {
		for _, item := range obj.Items {
			if key, ok := item.KeyExpr.(*hclsyntax.ObjectConsKeyExpr); ok {
				passed[hcl.ExprAsKeyword(key.Wrapped)] = true
			}
		}
	}
	var problems []string
	for name := range used {
		if !passed[name] {
			problems = append(problems, fmt.Sprintf("%s: %s uses ${%s}, which templatefile does not pass", call.Range(), filepath.Base(file), name))
		}
	}
	for name := range passed {
		if !used[name] {
			problems = append(problems, fmt.Sprintf("%s: templatefile passes %s, which %s never uses", call.Range(), name, filepath.Base(file)))
		}
	}
	sort.Strings(problems)
	return problems
}
