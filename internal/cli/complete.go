package cli

import (
	"github.com/spf13/cobra"

	"github.com/authctl/authctl/internal/cmdutil"
	"github.com/authctl/authctl/internal/provider"
	"github.com/authctl/authctl/internal/webhook"
)

// completeProviderNames completes the first argument with the configured and
// built-in provider names; a broken config still offers the built-in ones.
func completeProviderNames(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var configured []string
		if cfg, err := f.Config(); err == nil {
			configured = cfg.Names()
		}
		return provider.Names(configured), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeWebhookProviders completes the webhook scheme names of the registry.
func completeWebhookProviders(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return webhook.Names(), cobra.ShellCompDirectiveNoFileComp
}

// completeReplayEvents completes --event with the built-in sample names of
// the provider already on the line (all samples when none is given yet).
func completeReplayEvents(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	provider := ""
	if len(args) > 0 {
		provider = args[0]
	}
	var names []string
	seen := map[string]bool{}
	for _, s := range webhook.Samples(provider) {
		if !seen[s.Name] {
			seen[s.Name] = true
			names = append(names, s.Name)
		}
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}
